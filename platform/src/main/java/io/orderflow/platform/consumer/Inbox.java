package io.orderflow.platform.consumer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * The eventIds a consumer group has applied (table {@code inbox}), recorded in the transaction of their
 * effect: the dedupe that makes redelivery harmless.
 */
final class Inbox {

    private static final String INSERT = "INSERT INTO inbox (consumer_group, event_id, topic, processed_at) "
            + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";

    private final String group;

    Inbox(String group) {
        this.group = group;
    }

    /** Records {@code event} as applied in {@code tx}; false when it was applied before (a duplicate). */
    boolean record(Connection tx, ConsumedEvent event) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(INSERT)) {
            ps.setString(1, group);
            ps.setString(2, event.eventId());
            ps.setString(3, event.topic());
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            return ps.executeUpdate() == 1;
        }
    }
}
