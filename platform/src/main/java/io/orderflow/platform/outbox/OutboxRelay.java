package io.orderflow.platform.outbox;

import io.orderflow.platform.avro.AvroBinary;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.kafka.TraceContext;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the outbox in id order and deletes what the broker acknowledged (acks=all), in one DB
 * transaction per batch. A crash between the send and the delete republishes those events: at
 * least once, never lost; consumers drop the duplicates by eventId. While Kafka is down the rows
 * wait and the relay backs off; the services keep accepting work.
 */
public final class OutboxRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final String name;
    private final Database db;
    private final Producer<String, byte[]> producer;
    private final Serializer<SpecificRecord> serializer;
    private final int batchSize;
    private final Duration idlePoll;
    private final Semaphore wakeups = new Semaphore(0);
    private final AtomicLong published = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean healthy = true;

    public OutboxRelay(String name, Database db, Producer<String, byte[]> producer,
                       Serializer<SpecificRecord> serializer, int batchSize, Duration idlePoll) {
        this.name = name;
        this.db = db;
        this.producer = producer;
        this.serializer = serializer;
        this.batchSize = batchSize;
        this.idlePoll = idlePoll;
        this.thread = new Thread(this::run, name + "-outbox-relay");
    }

    public void start() {
        thread.start();
    }

    /** Asks the relay to look at the outbox now rather than at its next poll. */
    public void wakeup() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    public long publishedCount() {
        return published.get();
    }

    /** False while the last attempt to publish failed (Kafka or the registry unreachable). */
    public boolean healthy() {
        return healthy;
    }

    private void run() {
        long backoffMs = 0;
        while (running) {
            try {
                int sent = publishBatch();
                healthy = true;
                backoffMs = 0;
                if (sent < batchSize) {
                    wakeups.tryAcquire(idlePoll.toMillis(), TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                healthy = false;
                backoffMs = Math.min(5_000, Math.max(100, backoffMs * 2));
                log.warn("{} outbox relay could not publish; retrying in {} ms", name, backoffMs, e);
                try {
                    wakeups.tryAcquire(backoffMs, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Publishes up to one batch; returns how many events were published. */
    int publishBatch() throws Exception {
        return db.inTransaction(tx -> {
            try (PreparedStatement lock = tx.prepareStatement("SELECT name FROM outbox_relay_lock WHERE name = 'relay' FOR UPDATE")) {
                lock.executeQuery().close();
            }
            List<Long> ids = new ArrayList<>();
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            try (PreparedStatement select = tx.prepareStatement("SELECT id, topic, record_key, event_type, event_id, payload, "
                    + "correlation_id, traceparent FROM outbox ORDER BY id FETCH FIRST " + batchSize + " ROWS ONLY");
                 ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                    acks.add(producer.send(toRecord(rs)));
                }
            }
            if (ids.isEmpty()) {
                return 0;
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get(); // throws if the broker did not take it: the transaction rolls back, rows stay
            }
            delete(tx, ids);
            published.addAndGet(ids.size());
            log.debug("{} outbox relay published {} events", name, ids.size());
            return ids.size();
        });
    }

    private ProducerRecord<String, byte[]> toRecord(ResultSet rs) throws Exception {
        String topic = rs.getString(2);
        SpecificRecord event = AvroBinary.decode(rs.getString(4), rs.getBytes(6));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, rs.getString(3), serializer.serialize(topic, event));
        header(record, TraceContext.EVENT_ID, rs.getString(5));
        header(record, TraceContext.EVENT_TYPE, rs.getString(4));
        header(record, TraceContext.CORRELATION_ID, rs.getString(7));
        header(record, TraceContext.TRACEPARENT, rs.getString(8));
        return record;
    }

    private static void header(ProducerRecord<String, byte[]> record, String name, String value) {
        if (value != null) {
            record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void delete(Connection tx, List<Long> ids) throws Exception {
        try (PreparedStatement delete = tx.prepareStatement("DELETE FROM outbox WHERE id = ?")) {
            for (Long id : ids) {
                delete.setLong(1, id);
                delete.addBatch();
            }
            delete.executeBatch();
        }
    }

    @Override
    public void close() {
        running = false;
        wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
