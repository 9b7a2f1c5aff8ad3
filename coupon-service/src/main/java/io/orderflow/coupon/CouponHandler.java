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
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * coupon-service's reaction to the flow: redeem the coupon of a paid order, release it when the saga
 * compensates. Runs in the consumer's transaction; answers go to {@code coupon.events} via the outbox.
 */
final class CouponHandler implements EventHandler {

    private static final Logger log = LoggerFactory.getLogger(CouponHandler.class);

    private final CouponLedger coupons;
    private final Redemptions redemptions;
    private final Outbox outbox;

    CouponHandler(CouponLedger coupons, Redemptions redemptions, Outbox outbox) {
        this.coupons = coupons;
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
        if (redemptions.isCancelled(tx, orderId)) {
            reject(tx, p, CouponRejectionReason.ORDER_CANCELLED, "order " + orderId + " was cancelled before its coupon was redeemed");
            return;
        }
        if (redemptions.find(tx, orderId).isPresent()) {
            log.info("Order {}: coupon already redeemed for it; nothing to do", orderId);
            return;
        }
        Optional<Coupon> found = coupons.find(tx, code);
        if (found.isEmpty()) {
            reject(tx, p, CouponRejectionReason.UNKNOWN_COUPON, "no coupon " + code);
            return;
        }
        Coupon coupon = found.get();
        // The customer paid at occurredAt: a coupon valid then is honoured even if this event is handled later.
        if (coupon.expiredAt(p.getOccurredAt())) {
            reject(tx, p, CouponRejectionReason.EXPIRED, "coupon " + code + " expired at " + coupon.validUntil());
            return;
        }
        if (!coupon.currency().equals(p.getCurrency())) {
            reject(tx, p, CouponRejectionReason.OTHER, "coupon " + code + " is in " + coupon.currency()
                    + " but order is in " + p.getCurrency());
            return;
        }
        if (redemptions.inUseBy(tx, code, p.getCustomerId())) {
            reject(tx, p, CouponRejectionReason.ALREADY_USED, "customer " + p.getCustomerId() + " already used " + code);
            return;
        }
        // Unlimited coupons are not updated at all: no hot row for every order using the popular coupon.
        if (coupon.limited() && !coupons.takeOne(tx, code)) {
            reject(tx, p, CouponRejectionReason.SOLD_OUT, "coupon " + code + " has no uses left");
            return;
        }
        redemptions.redeem(tx, orderId, code, p.getCustomerId(), coupon.discountCents(), Instant.now());
        Integer remaining = coupon.limited() ? coupons.find(tx, code).orElseThrow().remaining() : null;
        log.debug("Order {}: coupon {} redeemed for customer {} ({} cents off, {} left)", orderId, code,
                p.getCustomerId(), coupon.discountCents(), remaining == null ? "unlimited" : remaining);
        outbox.add(tx, Topics.COUPON_EVENTS, orderId,
                CouponEvents.redeemed(orderId, code, p.getCustomerId(), coupon.discountCents(), remaining));
    }

    void release(Connection tx, ReleaseCoupon c) throws SQLException {
        String orderId = c.getOrderId();
        redemptions.lockOrder(tx, orderId);
        redemptions.markCancelled(tx, orderId, Instant.now());
        Optional<Redemption> redemption = redemptions.find(tx, orderId);
        boolean releasedNow = redemption.isPresent() && redemptions.release(tx, orderId, Instant.now());
        if (releasedNow) {
            coupons.giveBack(tx, redemption.get().code());
            log.info("Order {}: coupon {} released ({})", orderId, redemption.get().code(), c.getReason());
        } else if (redemption.isPresent()) {
            log.info("Order {}: coupon {} was released before; acknowledging again", orderId, redemption.get().code());
        } else {
            log.info("Order {}: nothing redeemed; order locked against a late redemption ({})", orderId, c.getReason());
        }
        // released=true also re-acknowledges a release done before: the coupon is free, which is what the saga asks.
        String code = redemption.map(Redemption::code).orElse(c.getCouponCode());
        String customerId = redemption.map(Redemption::customerId).orElse(c.getCustomerId());
        outbox.add(tx, Topics.COUPON_EVENTS, orderId, CouponEvents.released(orderId, code, customerId, redemption.isPresent()));
    }

    private void reject(Connection tx, PaymentCompleted p, CouponRejectionReason reason, String detail)
            throws SQLException {
        log.info("Order {}: coupon {} rejected: {} ({})", p.getOrderId(), p.getCouponCode(), reason, detail);
        outbox.add(tx, Topics.COUPON_EVENTS, p.getOrderId(),
                CouponEvents.rejected(p.getOrderId(), p.getCouponCode(), p.getCustomerId(), reason, detail));
    }
}
