package io.orderflow.coupon;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * Redemptions, the per-customer guard (active_coupon_uses) and the cancelled-orders lock. Callers
 * check with a SELECT first: the unique constraints are the last guard against a race between
 * instances, and a violated one aborts the whole transaction (on PostgreSQL any failed statement
 * does), so it is left to throw and the consumer loop retries the record, which then sees the
 * committed winner.
 */
final class Redemptions {

    /**
     * Serializes every transaction that handles an event of {@code orderId}, across instances, until
     * the transaction ends: the row is created on first sight, then locked.
     */
    void lockOrder(Connection tx, String orderId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO order_locks (order_id) VALUES (?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, orderId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = tx.prepareStatement("SELECT order_id FROM order_locks WHERE order_id = ? FOR UPDATE")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("order lock row for " + orderId + " vanished");
                }
            }
        }
    }

    Optional<Redemption> find(Connection tx, String orderId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT order_id, code, customer_id, discount_cents, status, "
                + "redeemed_at, released_at FROM redemptions WHERE order_id = ?")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                OffsetDateTime released = rs.getObject("released_at", OffsetDateTime.class);
                return Optional.of(new Redemption(rs.getString("order_id"), rs.getString("code"),
                        rs.getString("customer_id"), rs.getLong("discount_cents"),
                        Redemption.Status.valueOf(rs.getString("status")),
                        rs.getObject("redeemed_at", OffsetDateTime.class).toInstant(),
                        released == null ? null : released.toInstant()));
            }
        }
    }

    /** Whether the customer holds an active (not released) redemption of the coupon. */
    boolean inUseBy(Connection tx, String code, String customerId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "SELECT 1 FROM active_coupon_uses WHERE code = ? AND customer_id = ?")) {
            ps.setString(1, code);
            ps.setString(2, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Records a redemption and the customer's active use; throws on a lost race (see class doc). */
    void redeem(Connection tx, String orderId, String code, String customerId, long discountCents, Instant at)
            throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO redemptions (order_id, code, customer_id, "
                + "discount_cents, status, redeemed_at) VALUES (?, ?, ?, ?, 'REDEEMED', ?)")) {
            ps.setString(1, orderId);
            ps.setString(2, code);
            ps.setString(3, customerId);
            ps.setLong(4, discountCents);
            ps.setObject(5, at.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO active_coupon_uses (code, customer_id, order_id) VALUES (?, ?, ?)")) {
            ps.setString(1, code);
            ps.setString(2, customerId);
            ps.setString(3, orderId);
            ps.executeUpdate();
        }
    }

    /**
     * Marks the order's redemption RELEASED and frees the customer's use: true when this call did it,
     * false when there was no active redemption (never redeemed, or released already).
     */
    boolean release(Connection tx, String orderId, Instant at) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE redemptions SET status = 'RELEASED', released_at = ? "
                + "WHERE order_id = ? AND status = 'REDEEMED'")) {
            ps.setObject(1, at.atOffset(ZoneOffset.UTC));
            ps.setString(2, orderId);
            if (ps.executeUpdate() == 0) {
                return false;
            }
        }
        try (PreparedStatement ps = tx.prepareStatement("DELETE FROM active_coupon_uses WHERE order_id = ?")) {
            ps.setString(1, orderId);
            ps.executeUpdate();
        }
        return true;
    }

    boolean isCancelled(Connection tx, String orderId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT 1 FROM cancelled_orders WHERE order_id = ?")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Locks the order against any later redemption (idempotent). */
    void markCancelled(Connection tx, String orderId, Instant at) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO cancelled_orders (order_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, orderId);
            ps.setObject(2, at.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }
}
