package io.orderflow.order.catalog;

import io.orderflow.events.CouponDefinition;
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
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * <p>No consumer group: every instance reads the whole topic from the beginning, then follows it.
 */
public final class CouponView implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CouponView.class);

    private final Map<String, CouponDefinition> coupons = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<SpecificRecord> deserializer;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public CouponView(String bootstrapServers, String clientId, Deserializer<SpecificRecord> deserializer) {
        Properties props = KafkaClients.consumer(bootstrapServers, "unused", clientId);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(props);
        this.deserializer = deserializer;
        this.thread = new Thread(this::run, clientId);
        this.thread.setDaemon(true);
    }

    /** Starts following the topic and waits (bounded) until what was on it at start-up is loaded. */
    public void start(Duration timeout) throws InterruptedException {
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

    private void run() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.COUPONS_CATALOG.name(), Duration.ofSeconds(30))
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record);
                }
                if (caughtUp.getCount() > 0 && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    log.info("Coupon catalog loaded: {} coupons", coupons.size());
                    caughtUp.countDown();
                }
            }
        } catch (RuntimeException e) {
            if (running) {
                log.error("Coupon catalog stopped following {}", Topics.COUPONS_CATALOG, e);
            }
        } finally {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            coupons.remove(record.key()); // tombstone: the coupon was withdrawn
            return;
        }
        try {
            if (deserializer.deserialize(record.topic(), record.value()) instanceof CouponDefinition coupon) {
                coupons.put(coupon.getCode(), coupon);
            }
        } catch (RuntimeException e) {
            log.error("Skipping undecodable coupon definition {} at {}-{}@{}", record.key(), record.topic(),
                    record.partition(), record.offset(), e);
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
