package io.orderflow.coupon;

import io.orderflow.events.CouponDefinition;
import io.orderflow.events.CouponRedeemed;
import io.orderflow.events.CouponRejected;
import io.orderflow.events.CouponRejectionReason;
import io.orderflow.events.CouponReleased;
import io.orderflow.platform.kafka.Ids;
import java.time.Instant;

/** The events coupon-service emits, each with a fresh eventId and the time it is made. */
final class CouponEvents {

    private CouponEvents() {
    }

    static CouponRedeemed redeemed(String orderId, String code, String customerId, long discountCents, Integer remaining) {
        return CouponRedeemed.newBuilder().setEventId(newId()).setOrderId(orderId).setOccurredAt(Instant.now())
                .setCouponCode(code).setCustomerId(customerId).setDiscountCents(discountCents).setRemaining(remaining)
                .build();
    }

    static CouponRejected rejected(String orderId, String code, String customerId, CouponRejectionReason reason,
                                   String detail) {
        return CouponRejected.newBuilder().setEventId(newId()).setOrderId(orderId).setOccurredAt(Instant.now())
                .setCouponCode(code).setCustomerId(customerId).setReason(reason).setDetail(detail).build();
    }

    static CouponReleased released(String orderId, String code, String customerId, boolean released) {
        return CouponReleased.newBuilder().setEventId(newId()).setOrderId(orderId).setOccurredAt(Instant.now())
                .setCouponCode(code).setCustomerId(customerId).setReleased(released).build();
    }

    static CouponDefinition definition(Coupon c) {
        return CouponDefinition.newBuilder().setEventId(newId()).setOccurredAt(Instant.now()).setCode(c.code())
                .setDiscountCents(c.discountCents()).setCurrency(c.currency()).setTotalUses(c.totalUses())
                .setValidUntil(c.validUntil()).build();
    }

    private static String newId() {
        return Ids.uuid();
    }
}
