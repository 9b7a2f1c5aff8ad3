package io.orderflow.order;

import io.orderflow.events.CouponDefinition;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.order.api.PlaceOrderRequest;
import io.orderflow.order.catalog.CouponView;
import io.orderflow.order.payment.PaymentGateway;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.kafka.Ids;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.schemas.Topics;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Places an order: prices it from the local coupon view, charges the payment, and writes the order,
 * the payment and the PaymentCompleted event (outbox) in ONE statement, so ONE round trip to PostgreSQL
 * and one durable commit (an Idempotency-Key replay reads the earlier order too). Nothing here waits for
 * Kafka, so checkout answers at once and keeps working while Kafka is down.
 */
public final class Checkout {

    private static final Logger log = LoggerFactory.getLogger(Checkout.class);
    private static final String UNIQUE_VIOLATION = "23505";

    private final Database db;
    private final Outbox outbox;
    private final PaymentGateway gateway;
    private final CouponView catalog;

    public Checkout(Database db, Outbox outbox, PaymentGateway gateway, CouponView catalog) {
        this.db = db;
        this.outbox = outbox;
        this.gateway = gateway;
        this.catalog = catalog;
    }

    /** The order and whether this call created it (false: an earlier call with the same Idempotency-Key did). */
    public record Placed(OrderRecord order, boolean created) {
    }

    public Placed place(PlaceOrderRequest request, String idempotencyKey, String requestHash) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String orderId = Ids.uuid();
        Pricing price;
        PaymentGateway.Capture capture;
        try {
            long discount = request.couponCode() == null ? 0 : usableCoupon(request, now).getDiscountCents();
            try {
                price = Pricing.of(request, discount);
            } catch (ArithmeticException e) {
                throw Problem.badRequest("items", "the order total is too large");
            }
            String chargeKey = idempotencyKey != null ? idempotencyKey : orderId;
            capture = gateway.charge(chargeKey, request.customerId(), price.amountCents(), request.currency());
        } catch (Problem | PaymentGateway.PaymentDeclinedException e) {
            if (idempotencyKey != null) {
                // A retry is answered with the order it placed, whatever is checked again: the coupon may
                // have expired since, and the retry must still get the original order.
                Optional<Placed> prior = db.read(tx -> prior(tx, idempotencyKey, requestHash));
                if (prior.isPresent()) {
                    return prior.get();
                }
            }
            if (e instanceof PaymentGateway.PaymentDeclinedException) {
                throw new Problem(402, "Payment declined", e.getMessage());
            }
            throw e;
        }
        OrderRecord order = new OrderRecord(orderId, request.customerId(), request.currency(), "PENDING", null,
                price.subtotalCents(), request.couponCode(), price.discountCents(), price.pointsRedeemed(),
                price.amountCents(), request.items().stream()
                .map(i -> new OrderRecord.Item(i.sku(), i.quantity(), i.unitPriceCents())).toList(),
                List.of(), List.of(new OrderRecord.StatusChange("PENDING", null, now)), "CAPTURED", now, now);
        MDC.put("orderId", orderId);
        try {
            Outbox.Row event = outbox.row(Topics.PAYMENTS_EVENTS, orderId, PaymentCompleted.newBuilder()
                    .setEventId(Ids.uuid())
                    .setOrderId(orderId)
                    .setOccurredAt(now)
                    .setPaymentId(capture.paymentId())
                    .setCustomerId(request.customerId())
                    .setCurrency(request.currency())
                    .setSubtotalCents(price.subtotalCents())
                    .setCouponCode(request.couponCode())
                    .setDiscountCents(price.discountCents())
                    .setPointsRedeemed(price.pointsRedeemed())
                    .setAmountCents(price.amountCents())
                    .build());
            // One statement, one round trip, committed on its own: the idempotency lookup, the payment, the
            // order with its first status, and the outbox row (Orders.place).
            Optional<Orders.PriorOrder> prior = db.inOneStatement(tx -> {
                Optional<Orders.PriorOrder> found = Orders.place(tx, order, idempotencyKey, requestHash, capture, event);
                if (found.isEmpty()) {
                    outbox.written();
                }
                return found;
            });
            if (prior.isPresent()) {
                return db.read(tx -> answer(tx, prior.get(), requestHash)).orElseThrow();
            }
            log.debug("Order {} placed for {}: charged {} {} (payment {})", orderId, request.customerId(),
                    price.amountCents(), request.currency(), capture.paymentId());
            return new Placed(order, true);
        } catch (SQLException e) {
            if (idempotencyKey != null && UNIQUE_VIOLATION.equals(e.getSQLState())) {
                // A concurrent request with the same key won the race: answer with its order.
                return db.read(tx -> prior(tx, idempotencyKey, requestHash)).orElseThrow(() -> e);
            }
            throw e;
        } finally {
            MDC.remove("orderId");
        }
    }

    private CouponDefinition usableCoupon(PlaceOrderRequest request, Instant now) {
        CouponDefinition coupon = catalog.find(request.couponCode())
                .orElseThrow(() -> Problem.badRequest("couponCode", "unknown coupon " + request.couponCode()));
        if (CouponView.expired(coupon, now)) {
            throw Problem.badRequest("couponCode", "coupon " + coupon.getCode() + " expired at " + coupon.getValidUntil());
        }
        if (!coupon.getCurrency().equals(request.currency())) {
            throw Problem.badRequest("couponCode", "coupon " + coupon.getCode() + " applies to " + coupon.getCurrency()
                    + " orders only");
        }
        return coupon;
    }

    private static Optional<Placed> prior(java.sql.Connection tx, String key, String requestHash) throws Exception {
        Optional<Orders.PriorOrder> prior = Orders.findByIdempotencyKey(tx, key);
        return prior.isEmpty() ? Optional.empty() : answer(tx, prior.get(), requestHash);
    }

    /** The earlier order of an Idempotency-Key, for a request with {@code requestHash}: 422 if that is another request. */
    private static Optional<Placed> answer(java.sql.Connection tx, Orders.PriorOrder prior, String requestHash)
            throws Exception {
        if (!prior.requestHash().equals(requestHash)) {
            // Never name the other order: the key may be someone else's, and its order id is theirs.
            throw new Problem(422, "Idempotency-Key reused",
                    "This Idempotency-Key was already used for a different request; use a new key for a new order");
        }
        return Orders.find(tx, prior.orderId()).map(order -> new Placed(order, false));
    }
}
