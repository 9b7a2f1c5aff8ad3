package io.orderflow.order.saga;

import io.orderflow.events.CouponRedeemed;
import io.orderflow.events.CouponRejected;
import io.orderflow.events.CouponRejectionReason;
import io.orderflow.events.CouponReleased;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.PointsApplied;
import io.orderflow.events.PointsRejected;
import io.orderflow.events.PointsRejectionReason;
import io.orderflow.events.PointsReversed;
import java.time.Instant;
import java.util.UUID;

/** Input events of the saga for one order, each with a fresh eventId (pipe the same object twice for a duplicate). */
final class Events {

    static final String CUSTOMER = "customer-1";
    static final String COUPON = "WELCOME10";
    private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

    private Events() {
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    static PaymentCompleted paymentCompleted(String orderId, String couponCode) {
        return PaymentCompleted.newBuilder().setEventId(id()).setOrderId(orderId).setOccurredAt(AT)
                .setPaymentId("pay-" + orderId).setCustomerId(CUSTOMER).setCurrency("EUR")
                .setSubtotalCents(10_000).setCouponCode(couponCode).setDiscountCents(couponCode == null ? 0 : 1_000)
                .setPointsRedeemed(500).setAmountCents(couponCode == null ? 9_500 : 8_500)
                .build();
    }

    static CouponRedeemed couponRedeemed(String orderId) {
        return CouponRedeemed.newBuilder().setEventId(id()).setOrderId(orderId).setOccurredAt(AT)
                .setCouponCode(COUPON).setCustomerId(CUSTOMER).setDiscountCents(1_000).setRemaining(9).build();
    }

    static CouponRejected couponRejected(String orderId) {
        return CouponRejected.newBuilder().setEventId(id()).setOrderId(orderId).setOccurredAt(AT)
                .setCouponCode(COUPON).setCustomerId(CUSTOMER)
                .setReason(CouponRejectionReason.SOLD_OUT).setDetail("no uses left").build();
    }

    static CouponReleased couponReleased(String orderId, boolean released) {
        return CouponReleased.newBuilder().setEventId(id()).setOrderId(orderId).setOccurredAt(AT)
                .setCouponCode(COUPON).setCustomerId(CUSTOMER).setReleased(released).build();
    }

    static PointsApplied pointsApplied(String orderId) {
        return PointsApplied.newBuilder().setEventId(id()).setOrderId(orderId).setOccurredAt(AT)
                .setCustomerId(CUSTOMER).setRedeemed(500).setEarned(85).setBalanceAfter(1_585).build();
    }

    static PointsRejected pointsRejected(String orderId) {
        return PointsRejected.newBuilder().setEventId(id()).setOrderId(orderId).setOccurredAt(AT)
                .setCustomerId(CUSTOMER).setRequested(500).setBalance(100)
                .setReason(PointsRejectionReason.INSUFFICIENT_BALANCE).setDetail("balance 100 < 500").build();
    }

    static PointsReversed pointsReversed(String orderId, long delta) {
        return PointsReversed.newBuilder().setEventId(id()).setOrderId(orderId).setOccurredAt(AT)
                .setCustomerId(CUSTOMER).setReversedDelta(delta).setBalanceAfter(2_000).build();
    }

    static PaymentRefunded paymentRefunded(String orderId) {
        return PaymentRefunded.newBuilder().setEventId(id()).setOrderId(orderId).setOccurredAt(AT)
                .setPaymentId("pay-" + orderId).setCustomerId(CUSTOMER).setCurrency("EUR")
                .setAmountCents(8_500).setReason("refund").build();
    }
}
