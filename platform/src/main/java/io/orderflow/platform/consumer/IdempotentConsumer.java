package io.orderflow.platform.consumer;

import io.orderflow.platform.avro.AvroBinary;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.kafka.TraceContext;
import io.orderflow.schemas.Topic;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The consumer loop every service uses: poll, decode, apply each new event and record its eventId
 * in the inbox in one DB transaction, commit the DB, then commit the offsets. A redelivered record
 * finds its eventId in the inbox and changes nothing; a crash before the offset commit only causes
 * such a redelivery, never a loss.
 *
 * <p>A poll's records are applied in one transaction (fast path). If that fails, they are applied
 * one by one, each with bounded retries and backoff; a record that still fails, or cannot be decoded,
 * or is {@link PoisonEventException poison}, goes to the group's DLT and the partition moves on.
 */
public final class IdempotentConsumer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IdempotentConsumer.class);
    private static final String INBOX_INSERT = "INSERT INTO inbox (consumer_group, event_id, topic, processed_at) "
            + "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";

    private final String group;
    private final Consumer<String, byte[]> consumer;
    private final Collection<Topic> topics;
    private final Deserializer<SpecificRecord> deserializer;
    private final Database db;
    private final EventHandler handler;
    private final DeadLetters deadLetters;
    private final RetryPolicy retry;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private volatile boolean running = true;

    public IdempotentConsumer(String group, Consumer<String, byte[]> consumer, Collection<Topic> topics,
                              Deserializer<SpecificRecord> deserializer, Database db, EventHandler handler,
                              DeadLetters deadLetters, RetryPolicy retry) {
        this.group = group;
        this.consumer = consumer;
        this.topics = List.copyOf(topics);
        this.deserializer = deserializer;
        this.db = db;
        this.handler = handler;
        this.deadLetters = deadLetters;
        this.retry = retry;
        this.thread = new Thread(this::run, group + "-consumer");
    }

    public void start() {
        consumer.subscribe(topics.stream().map(Topic::name).toList());
        thread.start();
    }

    public long appliedCount() {
        return applied.get();
    }

    public long duplicateCount() {
        return duplicates.get();
    }

    public long deadLetteredCount() {
        return deadLettered.get();
    }

    public boolean isRunning() {
        return thread.isAlive();
    }

    private void run() {
        try {
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    process(records);
                    commit(records);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.error("{} consumer loop stopped on an unexpected error; uncommitted records will be redelivered", group, e);
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
            stopped.countDown();
        }
    }

    private void process(ConsumerRecords<String, byte[]> records) throws Exception {
        List<Decoded> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<String, byte[]> record : records) {
            Decoded decoded = decode(record);
            if (decoded != null) {
                batch.add(decoded);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        try {
            db.inTransaction(tx -> {
                for (Decoded d : batch) {
                    apply(tx, d);
                }
                return null;
            });
            return;
        } catch (Exception e) {
            log.info("{}: a batch of {} failed ({}); applying its records one by one", group, batch.size(), e.toString());
        }
        for (Decoded d : batch) {
            applyWithRetries(d);
        }
    }

    /** The record decoded, or null when it was dead-lettered because it cannot be. */
    private Decoded decode(ConsumerRecord<String, byte[]> record) throws Exception {
        try {
            if (record.value() == null) {
                throw new PoisonEventException("Record has no value (tombstone) on an event topic");
            }
            SpecificRecord value = deserializer.deserialize(record.topic(), record.headers(), record.value());
            return new Decoded(record, new ConsumedEvent(record.topic(), record.partition(), record.offset(),
                    record.key(), AvroBinary.eventId(value), value));
        } catch (RuntimeException e) {
            deadLetters.send(record, new PoisonEventException("Cannot decode the record", e), 1);
            deadLettered.incrementAndGet();
            return null;
        }
    }

    private void applyWithRetries(Decoded d) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                db.inTransaction(tx -> {
                    apply(tx, d);
                    return null;
                });
                return;
            } catch (PoisonEventException e) {
                deadLetters.send(d.record, e, attempt);
                deadLettered.incrementAndGet();
                return;
            } catch (Exception e) {
                if (attempt >= retry.maxAttempts() || !running) {
                    if (!running) {
                        throw e; // shutting down: leave it uncommitted, the next owner retries it
                    }
                    deadLetters.send(d.record, e, attempt);
                    deadLettered.incrementAndGet();
                    return;
                }
                Duration backoff = retry.backoffAfter(attempt);
                log.warn("{}: attempt {} of {} failed for {}-{}@{} (order {}); retrying in {} ms", group, attempt,
                        retry.maxAttempts(), d.record.topic(), d.record.partition(), d.record.offset(), d.record.key(),
                        backoff.toMillis(), e);
                TimeUnit.MILLISECONDS.sleep(backoff.toMillis());
            }
        }
    }

    @SuppressWarnings("try") // the scope is used for its side effect: the handler's outbox writes continue the trace
    private void apply(Connection tx, Decoded d) throws Exception {
        ConsumedEvent event = d.event;
        MDC.put("orderId", event.key());
        try (TraceContext.Scope ignored = TraceContext.fromHeaders(d.record.headers()).open()) {
            if (!recordInInbox(tx, event)) {
                duplicates.incrementAndGet();
                log.debug("{}: {} {} already applied; skipped", group, event.value().getSchema().getName(), event.eventId());
                return;
            }
            handler.handle(event, tx);
            applied.incrementAndGet();
        } finally {
            MDC.remove("orderId");
        }
    }

    private boolean recordInInbox(Connection tx, ConsumedEvent event) throws Exception {
        try (PreparedStatement ps = tx.prepareStatement(INBOX_INSERT)) {
            ps.setString(1, group);
            ps.setString(2, event.eventId());
            ps.setString(3, event.topic());
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            return ps.executeUpdate() == 1;
        }
    }

    private void commit(ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> list = records.records(tp);
            long next = list.get(list.size() - 1).offset() + 1;
            // The consumer's position is past the last record and, on a topic written in transactions (the
            // saga's orders.status and commands), past the commit marker that follows it. Committing only
            // "last record + 1" would leave a lag of 1 per partition forever, so lag alerts and "caught up"
            // checks would never clear. No poll happened since these records, so the position skips nothing else.
            offsets.put(tp, new OffsetAndMetadata(Math.max(next, consumer.position(tp))));
        }
        try {
            consumer.commitSync(offsets);
        } catch (CommitFailedException e) {
            // The group rebalanced meanwhile: the new owner gets these records again and the inbox drops them.
            log.warn("{}: offset commit failed after a rebalance; {} records will be redelivered", group, records.count(), e);
        }
    }

    @Override
    public void close() {
        // No wakeup(): the loop sees the flag within one poll timeout, after finishing and committing its batch.
        running = false;
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                log.warn("{} consumer did not stop within 30 s", group);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Decoded(ConsumerRecord<String, byte[]> record, ConsumedEvent event) {
    }
}
