package io.orderflow.platform.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.devstack.KafkaCluster;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.platform.avro.AvroBinary;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.kafka.TopicAdmin;
import io.orderflow.platform.testing.TestDatabase;
import io.orderflow.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole Kafka cluster killed -9 and restarted under a service's consumer group (three loops in one
 * process, as a service runs them), with batches in the handler at the moment of the kill: their offset
 * commits time out while the cluster is away, so those loops are rebuilt then and the members they
 * had can no longer leave the group. After the restart every partition must be worked off within a
 * bound far under {@code max.poll.interval.ms} (5 min), each record applied once (fault matrix, kafka-down).
 */
class ClusterRestartIT {

    private static final Logger log = LoggerFactory.getLogger(ClusterRestartIT.class);
    private static final int PARTITIONS = 6;
    private static final int LOOPS = 3;
    /** Far under max.poll.interval.ms (5 min), the time a stuck loop keeps its partitions. */
    private static final Duration PROGRESS_BOUND = Duration.ofSeconds(60);

    private static Path dir;
    private static KafkaCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("orderflow-cluster-restart-it");
        cluster = KafkaCluster.start(dir, 1);
        TopicAdmin.ensureTopics(cluster.bootstrapServers(), PARTITIONS, (short) 1, List.of());
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void everyPartitionIsWorkedOffSoonAfterTheWholeClusterRestarts() throws Exception {
        String group = "it-restart-" + UUID.randomUUID();
        try (TestDatabase t = TestDatabase.create("platform-it");
             Database db = Database.open("platform-it", t.url(), t.user(), "", 8);
             KafkaProducer<String, byte[]> producer = producer()) {
            ConsumerHarness.createTestTables(db);
            List<IdempotentConsumer> loops = new ArrayList<>();
            HeldUntilKilled handler = new HeldUntilKilled("o-last-");
            try {
                for (int i = 0; i < LOOPS; i++) {
                    IdempotentConsumer loop = new IdempotentConsumer(group, KafkaClients.with(
                            KafkaClients.consumer(cluster.bootstrapServers(), group, group + "-consumer-" + i),
                            Map.of(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000)),
                            List.of(Topics.PAYMENTS_EVENTS), rawAvro(), db, handler,
                            new DeadLetters(group, producer), RetryPolicy.DEFAULT);
                    loop.start();
                    loops.add(loop);
                }
                // Given the group works: every partition's records applied
                send(producer, "before", 4);
                await("records before the outage applied").atMost(Duration.ofSeconds(60))
                        .until(() -> effects(db) == 4 * PARTITIONS);

                // And batches in the handler when the whole cluster dies: their offsets cannot be committed, the
                // commits time out (default.api.timeout.ms, shortened here) and those loops are torn down and rebuilt
                // while the cluster is away (what every service's loops did in the fault matrix's kafka-down row)
                send(producer, "last", 4);
                await("batches in the handler").atMost(Duration.ofSeconds(30)).until(() -> handler.entered.get() > 0);
                cluster.killAll();
                handler.release.countDown();

                // When the cluster comes back after a while
                await().pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(21)).until(() -> true);
                cluster.startAll();
                long back = System.nanoTime();
                // A new producer for the test's own writes: the old one's idempotent sequence state can be ahead of a
                // single node that recovered from kill -9 (OUT_OF_ORDER_SEQUENCE_NUMBER retried until delivery.timeout).
                try (KafkaProducer<String, byte[]> afterRestart = producer()) {
                    send(afterRestart, "after", 4);
                }

                // Then every partition's new records are applied within the bound, none twice
                await("records after the restart applied").atMost(PROGRESS_BOUND)
                        .until(() -> effects(db) >= 12 * PARTITIONS);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
                log.info("{}: every partition worked off {} ms after the cluster was back", group, millis);
                assertThat(millis).isLessThan(PROGRESS_BOUND.toMillis());
                assertThat(effects(db)).isEqualTo(12 * PARTITIONS);
                assertThat(distinctEffects(db)).isEqualTo(12 * PARTITIONS);
                await("every loop polling in its group").atMost(Duration.ofSeconds(30))
                        .until(() -> loops.stream().allMatch(IdempotentConsumer::ready));
                assertThat(loops.stream().mapToLong(IdempotentConsumer::restartCount).sum())
                        .as("loops whose commit timed out during the outage were rebuilt (the case under test)").isPositive();
            } finally {
                loops.forEach(IdempotentConsumer::close);
            }
        }
    }

    /** Records their effect; a record whose key starts with {@code prefix} waits in the handler until released. */
    private static final class HeldUntilKilled implements EventHandler {
        final AtomicInteger entered = new AtomicInteger();
        final CountDownLatch release = new CountDownLatch(1);
        private final String prefix;
        private final EventHandler effect = ConsumerHarness.recordEffect();

        HeldUntilKilled(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public void handle(ConsumedEvent event, Connection tx) throws Exception {
            if (event.key().startsWith(prefix)) {
                entered.incrementAndGet();
                if (!release.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            }
            effect.handle(event, tx);
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(KafkaClients.with(KafkaClients.producer(cluster.bootstrapServers(), "it-restart"),
                Map.of(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000, ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000)));
    }

    /** {@code perPartition} PaymentCompleted records to each partition of payments.events, acknowledged. */
    private static void send(KafkaProducer<String, byte[]> producer, String what, int perPartition) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            for (int i = 0; i < perPartition; i++) {
                String orderId = ConsumerHarness.orderId(what + "-p" + p);
                acks.add(producer.send(new ProducerRecord<>(Topics.PAYMENTS_EVENTS.name(), p, orderId,
                        AvroBinary.encode(ConsumerHarness.payment(orderId)))));
            }
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get(120, TimeUnit.SECONDS);
        }
    }

    /** Values are the Avro binary of a PaymentCompleted (no registry: it would share the cluster's outage). */
    private static Deserializer<SpecificRecord> rawAvro() {
        return (topic, data) -> AvroBinary.decode(PaymentCompleted.getClassSchema().getFullName(), data);
    }

    private static int effects(Database db) throws Exception {
        return count(db, "SELECT COUNT(*) FROM effects");
    }

    private static int distinctEffects(Database db) throws Exception {
        return count(db, "SELECT COUNT(DISTINCT event_id) FROM effects");
    }

    private static int count(Database db, String sql) throws Exception {
        return db.read(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }
}
