package io.orderflow.platform.outbox;

import io.orderflow.platform.avro.AvroBinary;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.kafka.TraceContext;
import io.orderflow.schemas.Topic;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes events to the outbox table inside the caller's transaction: the event exists exactly when
 * the state change that caused it was committed. {@link OutboxRelay} publishes it afterwards.
 */
public final class Outbox {

    /** The outbox's columns, in the order {@link Row#bind} sets them. */
    public static final String COLUMNS = "topic, record_key, event_type, event_id, payload, correlation_id, traceparent, "
            + "created_at";
    /** One row's placeholders, matching {@link #COLUMNS}; typed, so they also serve in an {@code INSERT ... SELECT}. */
    public static final String PLACEHOLDERS = "?, ?, ?, ?, ?::bytea, ?, ?, ?::timestamptz";

    private static final String INSERT = "INSERT INTO outbox (" + COLUMNS + ") VALUES (" + PLACEHOLDERS + ")";

    private final Runnable afterWrite;

    /** @param afterWrite called once the transaction that wrote an event commits, e.g. to wake the relay (it also polls) */
    public Outbox(Runnable afterWrite) {
        this.afterWrite = afterWrite;
    }

    /** Adds {@code event} for {@code topic} with record key {@code key}, in the transaction of {@code tx}. */
    public void add(Connection tx, Topic topic, String key, SpecificRecord event) throws SQLException {
        Row row = row(topic, key, event);
        try (PreparedStatement ps = tx.prepareStatement(INSERT)) {
            row.bind(ps, 1);
            ps.executeUpdate();
        }
        written();
    }

    /**
     * The row {@link #add} would write, for a caller that writes it within a statement of its own (e.g. a
     * data-modifying CTE, to save round trips): it inserts {@link #COLUMNS} with {@link Row#bind}'s values, then
     * calls {@link #written()} in the same transaction.
     */
    public Row row(Topic topic, String key, SpecificRecord event) {
        if (!topic.carries(event)) {
            throw new IllegalArgumentException(event.getSchema().getFullName() + " does not belong on topic " + topic);
        }
        TraceContext trace = TraceContext.current();
        TraceContext next = trace == null ? TraceContext.start(key) : trace.nextSpan();
        return new Row(topic.name(), key, event.getSchema().getFullName(), AvroBinary.eventId(event),
                AvroBinary.encode(event), next.correlationId(), next.traceparent(), Instant.now());
    }

    /** Says that the current transaction wrote a {@link #row}: the relay is woken once it commits. */
    public void written() {
        Database.afterCommit(afterWrite);
    }

    /** An outbox row's values, in the order of {@link #COLUMNS}. */
    public record Row(String topic, String key, String eventType, String eventId, byte[] payload, String correlationId,
                      String traceparent, Instant createdAt) {

        /** Sets the row's values as the parameters {@code from} to {@code from + 7}; returns the next index. */
        public int bind(PreparedStatement ps, int from) throws SQLException {
            ps.setString(from, topic);
            ps.setString(from + 1, key);
            ps.setString(from + 2, eventType);
            ps.setString(from + 3, eventId);
            ps.setBytes(from + 4, payload);
            ps.setString(from + 5, correlationId);
            ps.setString(from + 6, traceparent);
            ps.setTimestamp(from + 7, Timestamp.from(createdAt));
            return from + 8;
        }
    }
}
