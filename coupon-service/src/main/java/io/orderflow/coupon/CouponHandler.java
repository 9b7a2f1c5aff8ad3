package io.orderflow.coupon;

import io.orderflow.events.CouponRejectionReason;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.ReleaseCoupon;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.consumer.EventHandler;
import io.orderflow.platform.consumer.PoisonEventException;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.schemas.Topics;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * coupon-service's reaction to the flow: redeem the coupon of a paid order, release it when the saga
 * compensates. Runs in the consumer's transaction; answers go to {@code coupon.events} via the outbox.
 */
final class CouponHandler implements EventHandler {

    private static final Logger log = LoggerFactory.getLogger(CouponHandler.class);

    private final Redemptions redemptions;
    private final Outbox outbox;

    CouponHandler(Redemptions redemptions, Outbox outbox) {
        this.redemptions = redemptions;
        this.outbox = outbox;
    }

    @Override
    public void handle(ConsumedEvent event, Connection tx) throws SQLException {
        SpecificRecord value = event.value();
        if (value instanceof PaymentCompleted payment) {
            if (payment.getCouponCode() != null) {
                redeem(tx, payment);
            }
        } else if (value instanceof ReleaseCoupon command) {
            release(tx, command);
        } else if (!(value instanceof PaymentRefunded)) {
            throw new PoisonEventException("coupon-service cannot handle " + value.getSchema().getFullName()
                    + " from " + event.topic());
        }
    }

    void redeem(Connection tx, PaymentCompleted p) throws SQLException {
        String orderId = p.getOrderId();
        String code = p.getCouponCode();
        redemptions.lockOrder(tx, orderId);
        // The customer paid at occurredAt: a coupon valid then is honoured even if this event is handled later.
        Redemptions.Attempt a = redemptions.redeem(tx, orderId, code, p.getCustomerId(), p.getCurrency(),
                p.getOccurredAt(), Instant.now());
        if (a.cancelled()) {
            reject(tx, p, CouponRejectionReason.ORDER_CANCELLED, "order " + orderId + " was cancelled before its coupon was redeemed");
            return;
        }
        if (a.redeemedBefore()) {
            log.info("Order {}: coupon already redeemed for it; nothing to do", orderId);
            return;
        }
        if (a.coupon().isEmpty()) {
            reject(tx, p, CouponRejectionReason.UNKNOWN_COUPON, "no coupon " + code);
            return;
        }
        Coupon coupon = a.coupon().get();
        if (a.expired()) {
            reject(tx, p, CouponRejectionReason.EXPIRED, "coupon " + code + " expired at " + coupon.validUntil());
            return;
        }
        if (!a.currencyMatches()) {
            reject(tx, p, CouponRejectionReason.OTHER, "coupon " + code + " is in " + coupon.currency()
                    + " but order is in " + p.getCurrency());
            return;
        }
        if (a.inUse()) {
            reject(tx, p, CouponRejectionReason.ALREADY_USED, "customer " + p.getCustomerId() + " already used " + code);
            return;
        }
        if (!a.granted()) {
            reject(tx, p, CouponRejectionReason.SOLD_OUT, "coupon " + code + " has no uses left");
            return;
        }
        Integer remaining = coupon.limited() ? a.remainingAfter() : null;
        log.debug("Order {}: coupon {} redeemed for customer {} ({} cents off, {} left)", orderId, code,
                p.getCustomerId(), coupon.discountCents(), remaining == null ? "unlimited" : remaining);
        outbox.add(tx, Topics.COUPON_EVENTS, orderId,
                CouponEvents.redeemed(orderId, code, p.getCustomerId(), coupon.discountCents(), remaining));
    }

    void release(Connection tx, ReleaseCoupon c) throws SQLException {
        String orderId = c.getOrderId();
        redemptions.lockOrder(tx, orderId);
        Redemptions.Release r = redemptions.release(tx, orderId, Instant.now());
        if (r.releasedNow()) {
            log.info("Order {}: coupon {} released ({})", orderId, r.code().orElseThrow(), c.getReason());
        } else if (r.code().isPresent()) {
            log.info("Order {}: coupon {} was released before; acknowledging again", orderId, r.code().get());
        } else {
            log.info("Order {}: nothing redeemed; order locked against a late redemption ({})", orderId, c.getReason());
        }
        // released=true also re-acknowledges a release done before: the coupon is free, which is what the saga asks.
        String code = r.code().orElse(c.getCouponCode());
        String customerId = r.customerId().orElse(c.getCustomerId());
        outbox.add(tx, Topics.COUPON_EVENTS, orderId, CouponEvents.released(orderId, code, customerId, r.code().isPresent()));
    }

    private void reject(Connection tx, PaymentCompleted p, CouponRejectionReason reason, String detail)
            throws SQLException {
        log.info("Order {}: coupon {} rejected: {} ({})", p.getOrderId(), p.getCouponCode(), reason, detail);
        outbox.add(tx, Topics.COUPON_EVENTS, p.getOrderId(),
                CouponEvents.rejected(p.getOrderId(), p.getCouponCode(), p.getCustomerId(), reason, detail));
    }
}
