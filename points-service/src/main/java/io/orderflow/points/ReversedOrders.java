package io.orderflow.points;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;

/** The semantic lock: orders whose points step the saga cancelled, refused if their payment comes later. */
final class ReversedOrders {

    boolean contains(Connection tx, String orderId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT 1 FROM reversed_orders WHERE order_id = ?")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

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
