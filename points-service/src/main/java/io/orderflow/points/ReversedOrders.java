package io.orderflow.points;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * The semantic lock: orders whose points step the saga cancelled, refused if their payment comes later
 * ({@link PointsLedger#seen} reads it with the order's ledger rows, in one round trip).
 */
final class ReversedOrders {

    /** Idempotent. */
    void add(Connection tx, String orderId, String customerId, Instant at) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO reversed_orders (order_id, customer_id, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, orderId);
            ps.setString(2, customerId);
            ps.setObject(3, at.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }
}
