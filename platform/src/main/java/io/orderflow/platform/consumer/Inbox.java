package io.orderflow.platform.consumer;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The eventIds a consumer group has applied (table {@code inbox}), recorded in the transaction of their
 * effect: the dedupe that makes redelivery harmless.
 */
final class Inbox {

    private static final String INSERT = "INSERT INTO inbox (consumer_group, event_id, topic, processed_at) "
            + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
    /** A whole batch in one statement: the rows it inserted are the events not applied before. */
    private static final String INSERT_ALL = "INSERT INTO inbox (consumer_group, event_id, topic, processed_at) "
            + "SELECT ?, u.event_id, u.topic, ? FROM unnest(?::varchar[], ?::varchar[]) AS u(event_id, topic) "
            + "ON CONFLICT DO NOTHING RETURNING event_id";

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

    /**
     * Records every event of {@code events} as applied in {@code tx}, in one statement; returns the eventIds
     * that were not applied before (an eventId twice in {@code events} is returned once: its first record
     * applies, the others are duplicates). The rows go in eventId order, so two transactions that record the
     * same events (a partition's old and new owner, for a moment) take the inbox's row locks in one order.
     */
    Set<String> recordAll(Connection tx, List<ConsumedEvent> events) throws SQLException {
        TreeMap<String, String> topicById = new TreeMap<>();
        for (ConsumedEvent event : events) {
            topicById.putIfAbsent(event.eventId(), event.topic());
        }
        String[] ids = topicById.keySet().toArray(new String[0]);
        String[] topics = topicById.values().toArray(new String[0]);
        Set<String> fresh = new HashSet<>(ids.length * 2);
        try (PreparedStatement ps = tx.prepareStatement(INSERT_ALL)) {
            Array idArray = tx.createArrayOf("varchar", ids);
            Array topicArray = tx.createArrayOf("varchar", topics);
            ps.setString(1, group);
            ps.setTimestamp(2, Timestamp.from(Instant.now()));
            ps.setArray(3, idArray);
            ps.setArray(4, topicArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fresh.add(rs.getString(1));
                }
            }
        }
        return fresh;
    }
}
