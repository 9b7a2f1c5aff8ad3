package io.orderflow.notification;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** The notifications table as the consumer writes it and the API reads it. */
final class NotificationLog {

    private static final String COLUMNS = "order_id, customer_id, kind, message, source_event_id, created_at";

    /** A notification as stored: what it says, and whether it was sent. */
    record Stored(long id, Notification notification, String status, Instant sentAt, int attempts) {
    }

    /**
     * Records a notification to be sent (PENDING) in the caller's transaction; false when one for the
     * same event, or of the same kind for the same order, exists already (then it must not be sent again).
     */
    boolean record(Connection tx, Notification n) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO notifications (" + COLUMNS + ", status) "
                + "VALUES (?, ?, ?, ?, ?, ?, 'PENDING') ON CONFLICT DO NOTHING")) {
            ps.setString(1, n.orderId());
            ps.setString(2, n.customerId());
            ps.setString(3, n.kind().name());
            ps.setString(4, n.message());
            ps.setString(5, n.sourceEventId());
            ps.setObject(6, n.createdAt().atOffset(ZoneOffset.UTC));
            return ps.executeUpdate() == 1;
        }
    }

    List<Stored> forOrder(Connection tx, String orderId) throws SQLException {
        return query(tx, "SELECT id, " + COLUMNS + ", status, sent_at, attempts FROM notifications WHERE order_id = ? "
                + "ORDER BY id", orderId);
    }

    /** The customer's latest {@code limit} notifications, newest first. */
    List<Stored> forCustomer(Connection tx, String customerId, int limit) throws SQLException {
        return query(tx, "SELECT id, " + COLUMNS + ", status, sent_at, attempts FROM notifications WHERE customer_id = ? "
                + "ORDER BY id DESC LIMIT " + limit, customerId);
    }

    private static List<Stored> query(Connection tx, String sql, String param) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                List<Stored> list = new ArrayList<>();
                while (rs.next()) {
                    OffsetDateTime sentAt = rs.getObject(9, OffsetDateTime.class);
                    list.add(new Stored(rs.getLong(1), read(rs, 2), rs.getString(8),
                            sentAt == null ? null : sentAt.toInstant(), rs.getInt(10)));
                }
                return list;
            }
        }
    }

    /** The notification in columns {@code from} .. {@code from + 5} (in {@link #COLUMNS} order). */
    static Notification read(ResultSet rs, int from) throws SQLException {
        return new Notification(rs.getString(from), rs.getString(from + 1),
                Notification.Kind.valueOf(rs.getString(from + 2)), rs.getString(from + 3), rs.getString(from + 4),
                rs.getObject(from + 5, OffsetDateTime.class).toInstant());
    }

    static String columns() {
        return COLUMNS;
    }
}
