package io.orderflow.order;

import com.fasterxml.jackson.core.type.TypeReference;
import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.StepOutcome;
import io.orderflow.order.payment.PaymentGateway;
import io.orderflow.platform.http.Json;
import io.orderflow.platform.outbox.Outbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The orders table and its status history: SQL only, no rules beyond "a final status never changes"
 * (a FAILED order's steps may still change, its status not).
 */
public final class Orders {

    private static final TypeReference<List<OrderRecord.Item>> ITEMS = new TypeReference<>() {
    };
    private static final TypeReference<List<OrderRecord.Step>> STEPS = new TypeReference<>() {
    };

    private Orders() {
    }

    /**
     * Checkout's writes in ONE statement (data-modifying CTEs, run by {@link io.orderflow.platform.db.Database#inOneStatement}
     * in one round trip): unless an order with {@code idempotencyKey} exists, the payment's capture, the order, its
     * first status and its PaymentCompleted outbox row. Returns that earlier order (its id and request hash) when
     * there is one, and then writes nothing; empty when it wrote this order. A concurrent insert of the same key
     * fails the statement with a unique violation (SQLState 23505) and writes nothing either.
     */
    public static Optional<PriorOrder> place(Connection c, OrderRecord order, String idempotencyKey, String requestHash,
                                             PaymentGateway.Capture capture, Outbox.Row event) throws Exception {
        try (PreparedStatement ps = c.prepareStatement(PLACE)) {
            int i = 1;
            ps.setString(i++, idempotencyKey);
            ps.setString(i++, capture.paymentId());
            ps.setString(i++, order.orderId());
            ps.setString(i++, order.customerId());
            ps.setLong(i++, order.amountCents());
            ps.setString(i++, order.currency());
            ps.setTimestamp(i++, Timestamp.from(capture.capturedAt()));
            ps.setString(i++, order.orderId());
            ps.setString(i++, order.customerId());
            ps.setString(i++, order.currency());
            ps.setString(i++, order.status());
            ps.setString(i++, order.reason());
            ps.setLong(i++, order.subtotalCents());
            ps.setString(i++, order.couponCode());
            ps.setLong(i++, order.discountCents());
            ps.setLong(i++, order.pointsRedeemed());
            ps.setLong(i++, order.amountCents());
            ps.setString(i++, Json.MAPPER.writeValueAsString(order.items()));
            ps.setString(i++, Json.MAPPER.writeValueAsString(order.steps()));
            ps.setString(i++, idempotencyKey);
            ps.setString(i++, requestHash);
            ps.setTimestamp(i++, Timestamp.from(order.createdAt()));
            ps.setTimestamp(i++, Timestamp.from(order.updatedAt()));
            ps.setString(i++, "checkout-" + order.orderId());
            i = event.bind(ps, i);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new PriorOrder(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    // Every write selects from the one before, so none happens when "prior" found the key. The casts type
    // parameters that an INSERT ... SELECT does not infer from the target columns.
    private static final String PLACE = "WITH prior AS ("
            + "SELECT order_id, request_hash FROM orders WHERE idempotency_key = ?), "
            + "payment AS (INSERT INTO payments (payment_id, order_id, customer_id, amount_cents, currency, status, "
            + "captured_at) SELECT ?, ?, ?, ?::bigint, ?, 'CAPTURED', ?::timestamptz "
            + "WHERE NOT EXISTS (SELECT 1 FROM prior) RETURNING order_id), "
            + "placed AS (INSERT INTO orders (order_id, customer_id, currency, status, reason, subtotal_cents, coupon_code, "
            + "discount_cents, points_redeemed, amount_cents, items_json, steps_json, idempotency_key, request_hash, "
            + "created_at, updated_at) SELECT ?, ?, ?, ?, ?, ?::bigint, ?, ?::bigint, ?::bigint, ?::bigint, ?, ?, ?, ?, "
            + "?::timestamptz, ?::timestamptz FROM payment RETURNING order_id, status, created_at), "
            + "history AS (INSERT INTO order_status_history (order_id, status, reason, event_id, occurred_at) "
            + "SELECT order_id, status, NULL, ?, created_at FROM placed), "
            + "event AS (INSERT INTO outbox (" + Outbox.COLUMNS + ") SELECT " + Outbox.PLACEHOLDERS
            + " FROM placed) "
            + "SELECT order_id, request_hash FROM prior";

    /**
     * Applies the saga's status change unless the order is already final. A FAILED → FAILED change
     * updates only the steps (and reason) of a FAILED order: late acknowledgements show what is still
     * owed, and the final status stays. Returns whether it changed anything.
     */
    public static boolean applyStatus(Connection tx, OrderStatusChanged change) throws Exception {
        List<OrderRecord.Step> steps = new ArrayList<>();
        for (StepOutcome s : change.getSteps()) {
            steps.add(new OrderRecord.Step(s.getStep().name(), s.getState().name(), s.getDetail(), s.getUpdatedAt()));
        }
        if (change.getStatus() == change.getPreviousStatus()) {
            return change.getStatus() == OrderStatus.FAILED && updateStepsOfFailed(tx, change, steps);
        }
        // One round trip: the history row selects from the update, so it is written only when the status changed.
        try (PreparedStatement ps = tx.prepareStatement(APPLY_STATUS)) {
            ps.setString(1, change.getStatus().name());
            ps.setString(2, change.getReason());
            ps.setString(3, Json.MAPPER.writeValueAsString(steps));
            ps.setTimestamp(4, Timestamp.from(change.getOccurredAt()));
            ps.setString(5, change.getOrderId());
            ps.setString(6, change.getEventId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        }
    }

    private static final String APPLY_STATUS = "WITH changed AS (UPDATE orders SET status = ?, reason = ?, steps_json = ?, "
            + "updated_at = ? WHERE order_id = ? AND status NOT IN ('COMPLETED', 'CANCELLED', 'FAILED') "
            + "RETURNING order_id, status, reason, updated_at), "
            + "history AS (INSERT INTO order_status_history (order_id, status, reason, event_id, occurred_at) "
            + "SELECT order_id, status, reason, ?, updated_at FROM changed) "
            + "SELECT count(*) FROM changed";

    private static boolean updateStepsOfFailed(Connection tx, OrderStatusChanged change, List<OrderRecord.Step> steps)
            throws Exception {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE orders SET reason = ?, steps_json = ?, updated_at = ? "
                + "WHERE order_id = ? AND status = 'FAILED'")) {
            ps.setString(1, change.getReason());
            ps.setString(2, Json.MAPPER.writeValueAsString(steps));
            ps.setTimestamp(3, Timestamp.from(change.getOccurredAt()));
            ps.setString(4, change.getOrderId());
            return ps.executeUpdate() == 1;
        }
    }

    public static Optional<OrderRecord> find(Connection c, String orderId) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT o.order_id, o.customer_id, o.currency, o.status, o.reason, "
                + "o.subtotal_cents, o.coupon_code, o.discount_cents, o.points_redeemed, o.amount_cents, o.items_json, "
                + "o.steps_json, o.created_at, o.updated_at, p.status FROM orders o "
                + "LEFT JOIN payments p ON p.order_id = o.order_id WHERE o.order_id = ?")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new OrderRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getLong(6), rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getLong(10),
                        Json.MAPPER.readValue(rs.getString(11), ITEMS),
                        rs.getString(12) == null ? List.of() : Json.MAPPER.readValue(rs.getString(12), STEPS),
                        history(c, orderId), rs.getString(15),
                        rs.getTimestamp(13).toInstant(), rs.getTimestamp(14).toInstant()));
            }
        }
    }

    /** The order placed earlier with this Idempotency-Key, with the hash of the request that placed it. */
    public static Optional<PriorOrder> findByIdempotencyKey(Connection c, String key) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT order_id, request_hash FROM orders WHERE idempotency_key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new PriorOrder(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    /** An order placed earlier under an Idempotency-Key, and the hash of the request that placed it. */
    public record PriorOrder(String orderId, String requestHash) {
    }

    private static List<OrderRecord.StatusChange> history(Connection c, String orderId) throws Exception {
        List<OrderRecord.StatusChange> history = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT status, reason, occurred_at FROM order_status_history WHERE order_id = ? ORDER BY id")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    history.add(new OrderRecord.StatusChange(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant()));
                }
            }
        }
        return history;
    }
}
