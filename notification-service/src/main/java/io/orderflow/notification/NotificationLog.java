package io.orderflow.notification;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** The notifications table: the record of every notification sent. */
final class NotificationLog {

    private static final String COLUMNS = "order_id, customer_id, kind, message, source_event_id, created_at";

    /**
     * Records a notification; false when one for the same event, or of the same kind for the same
     * order, exists already (then it must not be sent again).
     */
    boolean record(Connection tx, Notification n) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO notifications (" + COLUMNS + ") "
                + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            ps.setString(1, n.orderId());
            ps.setString(2, n.customerId());
            ps.setString(3, n.kind().name());
            ps.setString(4, n.message());
            ps.setString(5, n.sourceEventId());
            ps.setObject(6, n.createdAt().atOffset(ZoneOffset.UTC));
            return ps.executeUpdate() == 1;
        }
    }

    List<Notification> forOrder(Connection tx, String orderId) throws SQLException {
        return query(tx, "SELECT " + COLUMNS + " FROM notifications WHERE order_id = ? ORDER BY id", orderId);
    }

    /** The customer's latest {@code limit} notifications, newest first. */
    List<Notification> forCustomer(Connection tx, String customerId, int limit) throws SQLException {
        return query(tx, "SELECT " + COLUMNS + " FROM notifications WHERE customer_id = ? ORDER BY id DESC LIMIT "
                + limit, customerId);
    }

    private static List<Notification> query(Connection tx, String sql, String param) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                List<Notification> list = new ArrayList<>();
                while (rs.next()) {
                    list.add(new Notification(rs.getString(1), rs.getString(2),
                            Notification.Kind.valueOf(rs.getString(3)), rs.getString(4), rs.getString(5),
                            rs.getObject(6, OffsetDateTime.class).toInstant()));
                }
                return list;
            }
        }
    }
}
