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

    private static final String INSERT = "INSERT INTO outbox (topic, record_key, event_type, event_id, payload, "
            + "correlation_id, traceparent, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

    private final Runnable afterWrite;

    /** @param afterWrite called once the transaction that wrote an event commits, e.g. to wake the relay (it also polls) */
    public Outbox(Runnable afterWrite) {
        this.afterWrite = afterWrite;
    }

    /** Adds {@code event} for {@code topic} with record key {@code key}, in the transaction of {@code tx}. */
    public void add(Connection tx, Topic topic, String key, SpecificRecord event) throws SQLException {
        if (!topic.carries(event)) {
            throw new IllegalArgumentException(event.getSchema().getFullName() + " does not belong on topic " + topic);
        }
        TraceContext trace = TraceContext.current();
        TraceContext next = trace == null ? TraceContext.start(key) : trace.nextSpan();
        try (PreparedStatement ps = tx.prepareStatement(INSERT)) {
            ps.setString(1, topic.name());
            ps.setString(2, key);
            ps.setString(3, event.getSchema().getFullName());
            ps.setString(4, AvroBinary.eventId(event));
            ps.setBytes(5, AvroBinary.encode(event));
            ps.setString(6, next.correlationId());
            ps.setString(7, next.traceparent());
            ps.setTimestamp(8, Timestamp.from(Instant.now()));
            ps.executeUpdate();
        }
        Database.afterCommit(afterWrite);
    }
}
