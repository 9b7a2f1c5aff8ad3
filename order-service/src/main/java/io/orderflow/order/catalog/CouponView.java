package io.orderflow.order.catalog;

import io.orderflow.events.CouponDefinition;
import io.orderflow.platform.failure.Backoff;
import io.orderflow.platform.failure.FailureKind;
import io.orderflow.platform.failure.Failures;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * order-service's local, read-only view of the coupons coupon-service defines, built from the
 * compacted {@code coupons.catalog} topic. Checkout prices an order and refuses an unknown or expired
 * code from this view, with no synchronous call to coupon-service. Whether a limited coupon still
 * has uses left is decided later by coupon-service, in the saga.
 *
 * <p>No consumer group: every instance reads the whole topic from the beginning, then follows it. A
 * definition that cannot be decoded because the registry is away (a transient failure) is retried with
 * backoff, never skipped: the view does not move past it. One that can never be decoded (not the wire
 * format, a schema id the registry does not have) is skipped with an error. If following fails (the
 * broker away at start), the view logs it and starts over from the beginning after a backoff.
 */
public final class CouponView implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CouponView.class);
    private static final int MAX_UNKNOWN_FAILURES = 5;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final Map<String, CouponDefinition> coupons = new ConcurrentHashMap<>();
    private final String bootstrapServers;
    private final String clientId;
    private final Deserializer<SpecificRecord> deserializer;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final AtomicLong decodeRetries = new AtomicLong();
    private volatile boolean running;
    private Thread thread;

    public CouponView(String bootstrapServers, String clientId, Deserializer<SpecificRecord> deserializer) {
        this.bootstrapServers = bootstrapServers;
        this.clientId = clientId;
        this.deserializer = deserializer;
    }

    /** Starts following the topic and waits (bounded) until what was on it at start-up is loaded. */
    public void start(Duration timeout) throws InterruptedException {
        running = true;
        thread = new Thread(this::run, clientId);
        thread.setDaemon(true);
        thread.start();
        if (!caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("Coupon catalog not loaded within {}; checkout refuses coupon codes it has not seen yet", timeout);
        }
    }

    /** The coupon as last defined by coupon-service, if it has been seen (check {@link #expired}). */
    public Optional<CouponDefinition> find(String code) {
        return Optional.ofNullable(coupons.get(code));
    }

    public static boolean expired(CouponDefinition coupon, Instant now) {
        return coupon.getValidUntil() != null && !coupon.getValidUntil().isAfter(now);
    }

    public int size() {
        return coupons.size();
    }

    public boolean loaded() {
        return caughtUp.getCount() == 0;
    }

    /** Times a definition could not be decoded for a transient reason (the registry away) and waits to be tried again. */
    public long decodeRetries() {
        return decodeRetries.get();
    }

    private void run() {
        int failuresInARow = 0;
        while (running) {
            Properties props = KafkaClients.consumer(bootstrapServers, "unused", clientId);
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            KafkaConsumer<String, byte[]> consumer = null;
            try {
                consumer = new KafkaConsumer<>(props);
                follow(consumer);
                return;
            } catch (Exception e) {
                close(consumer);
                consumer = null;
                if (!running) {
                    return;
                }
                failuresInARow++;
                Duration backoff = Backoff.after(failuresInARow, FIRST_BACKOFF, MAX_BACKOFF);
                log.error("Coupon catalog view stopped following {}; reading it again from the beginning in {} ms",
                        Topics.COUPONS_CATALOG, backoff.toMillis(), e);
                if (!sleep(backoff)) {
                    return;
                }
            } finally {
                close(consumer);
            }
        }
    }

    private static void close(KafkaConsumer<String, byte[]> consumer) {
        if (consumer != null) {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private void follow(KafkaConsumer<String, byte[]> consumer) {
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.COUPONS_CATALOG.name(), Duration.ofSeconds(30))
                .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        Retries retries = new Retries();
        while (running) {
            ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
            for (TopicPartition tp : records.partitions()) {
                for (ConsumerRecord<String, byte[]> record : records.records(tp)) {
                    Duration backoff = apply(record, retries);
                    if (backoff != null) {
                        // Not past this one: read it again after the wait (a compacted topic, so order matters).
                        consumer.seek(tp, record.offset());
                        if (!sleep(backoff)) {
                            return;
                        }
                        break;
                    }
                }
            }
            if (caughtUp.getCount() > 0 && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                log.info("Coupon catalog loaded: {} coupons", coupons.size());
                caughtUp.countDown();
            }
        }
    }

    /** Applies one record; returns null when done with it, or how long to wait before trying it again. */
    private Duration apply(ConsumerRecord<String, byte[]> record, Retries retries) {
        if (record.value() == null) {
            coupons.remove(record.key()); // tombstone: the coupon was withdrawn
            return null;
        }
        try {
            if (deserializer.deserialize(record.topic(), record.value()) instanceof CouponDefinition coupon) {
                coupons.put(coupon.getCode(), coupon);
            }
            retries.clear();
            return null;
        } catch (RuntimeException e) {
            FailureKind kind = Failures.classify(e);
            int failures = retries.failed(record.offset(), kind);
            if (kind == FailureKind.POISON || (kind == FailureKind.UNKNOWN && retries.unknown >= MAX_UNKNOWN_FAILURES)) {
                log.error("Skipping coupon definition {} at {}-{}@{}: it can never be decoded ({})", record.key(),
                        record.topic(), record.partition(), record.offset(), kind, e);
                retries.clear();
                return null;
            }
            decodeRetries.incrementAndGet();
            Duration backoff = Backoff.after(failures, FIRST_BACKOFF, MAX_BACKOFF);
            if (failures == 1) {
                log.warn("Coupon definition {} at {}-{}@{} cannot be decoded now ({}); retrying in {} ms", record.key(),
                        record.topic(), record.partition(), record.offset(), kind, backoff.toMillis(), e);
            }
            return backoff;
        }
    }

    private boolean sleep(Duration wait) {
        try {
            return !stopRequested.await(wait.toMillis(), TimeUnit.MILLISECONDS) && running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Failures of the record the view is stuck on. */
    private static final class Retries {
        long offset = -1;
        int total;
        int unknown;

        int failed(long at, FailureKind kind) {
            if (at != offset) {
                offset = at;
                total = 0;
                unknown = 0;
            }
            total++;
            if (kind == FailureKind.UNKNOWN) {
                unknown++;
            }
            return total;
        }

        void clear() {
            offset = -1;
        }
    }

    @Override
    public void close() {
        running = false;
        stopRequested.countDown();
        Thread t = thread;
        if (t == null) {
            return;
        }
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
