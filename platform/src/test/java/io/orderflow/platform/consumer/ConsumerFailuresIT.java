package io.orderflow.platform.consumer;

import static io.orderflow.platform.consumer.ConsumerHarness.effects;
import static io.orderflow.platform.consumer.ConsumerHarness.header;
import static io.orderflow.platform.consumer.ConsumerHarness.orderId;
import static io.orderflow.platform.consumer.ConsumerHarness.payment;
import static io.orderflow.platform.consumer.ConsumerHarness.recordEffect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.devstack.EmbeddedSchemaRegistry;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.testing.TestDatabase;
import io.orderflow.schemas.Topics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each class of failure on the real broker, registry and database: what is transient (database or
 * registry unreachable, a lock timeout) is retried without limit and never dead-lettered; what is
 * deterministic (bytes that are not the wire format, a schema id the registry does not have) goes to
 * the DLT at once with the reason in its headers.
 */
class ConsumerFailuresIT {

    private static final RetryPolicy RETRY = new RetryPolicy(3, Duration.ofMillis(20), Duration.ofMillis(200));

    private static ConsumerHarness harness;

    @BeforeAll
    static void startStack() {
        harness = new ConsumerHarness();
    }

    @AfterAll
    static void stopStack() throws Exception {
        harness.close();
    }

    @AfterEach
    void closeTestResources() throws Exception {
        harness.afterEach();
    }

    static List<String> kinds() {
        return TestDatabase.kinds();
    }

    private IdempotentConsumer start(Database db, String group, EventHandler handler, Deserializer<SpecificRecord> deserializer) {
        harness.createDeadLetterTopic(group);
        Properties props = harness.consumerProps(group, Map.of());
        IdempotentConsumer consumer = new IdempotentConsumer(group, props, List.of(Topics.PAYMENTS_EVENTS),
                deserializer, db, handler, new DeadLetters(group, harness.dltProducer(group)), RETRY);
        consumer.start();
        return harness.closeAfterTest(consumer);
    }

    private IdempotentConsumer start(Database db, String group, EventHandler handler) {
        return start(db, group, handler, harness.serde.deserializer());
    }

    /** Counts the attempts on records of {@code key}, then runs {@code inner}. */
    private static EventHandler counting(String key, AtomicInteger attempts, EventHandler inner) {
        return (event, tx) -> {
            if (event.key().equals(key)) {
                attempts.incrementAndGet();
            }
            inner.handle(event, tx);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aLockTimeoutIsRetriedWithoutLimitAndNeverDeadLettered(String kind) throws Exception {
        Database db = harness.database(kind);
        String group = "it-lock-" + kind + "-" + java.util.UUID.randomUUID();
        String key = orderId("locked");
        AtomicInteger attempts = new AtomicInteger();
        EventHandler effect = recordEffect();
        start(db, group, counting(key, attempts, (event, tx) -> {
            if (event.key().equals(key)) {
                try (Statement s = tx.createStatement()) {
                    s.execute("SET LOCAL lock_timeout = '200ms'");
                    s.executeUpdate("UPDATE hot SET n = n + 1 WHERE id = 1");
                }
            }
            effect.handle(event, tx);
        }));

        // Given another transaction holds the row the handler must update
        try (Connection blocker = db.dataSource().getConnection()) {
            try (PreparedStatement lock = blocker.prepareStatement("SELECT n FROM hot WHERE id = 1 FOR UPDATE");
                 ResultSet rs = lock.executeQuery()) {
                assertThat(rs.next()).isTrue();
            }
            harness.send(key, harness.wire(payment(key)));

            // Then the record is tried again and again, well past the retry policy's attempts, and not dead-lettered
            await("attempts beyond the bound for unknown failures").atMost(Duration.ofSeconds(60))
                    .until(() -> attempts.get() >= RETRY.maxAttempts() * 2);
            assertThat(harness.deadLetteredNow(group, key)).as("dead-lettered records of " + key).isEmpty();
            assertThat(effects(db, key)).isZero();
            blocker.rollback();
        }

        // And once the lock is gone it is applied, once
        await(key + " applied").atMost(Duration.ofSeconds(30)).until(() -> effects(db, key) == 1);
        assertThat(harness.deadLetteredNow(group, key)).isEmpty();
    }

    @Test
    void aHandlerWaitingOnALockThatIsNotLetGoIsCutOffAndRetriedWhileTheLoopKeepsPolling() throws Exception {
        Database db = harness.database(TestDatabase.kinds().get(0));
        String group = "it-lock-bound-" + java.util.UUID.randomUUID();
        String key = orderId("held");
        AtomicInteger attempts = new AtomicInteger();
        EventHandler effect = recordEffect();
        // A handler that sets no timeout of its own: only the loop's bound on DB waits can cut it off
        harness.createDeadLetterTopic(group);
        IdempotentConsumer consumer = new IdempotentConsumer(group, harness.consumerProps(group, Map.of()),
                List.of(Topics.PAYMENTS_EVENTS), harness.serde.deserializer(), db, counting(key, attempts, (event, tx) -> {
                    if (event.key().equals(key)) {
                        try (Statement s = tx.createStatement()) {
                            s.executeUpdate("UPDATE hot SET n = n + 1 WHERE id = 1");
                        }
                    }
                    effect.handle(event, tx);
                }), new DeadLetters(group, harness.dltProducer(group)), RETRY)
                .waitBounds(Duration.ofMillis(500), Duration.ofSeconds(5));
        harness.closeAfterTest(consumer).start();

        // Given a session holds the row the handler must update, and does not let go (idle in its transaction)
        try (Connection blocker = db.dataSource().getConnection()) {
            try (PreparedStatement lock = blocker.prepareStatement("SELECT n FROM hot WHERE id = 1 FOR UPDATE");
                 ResultSet rs = lock.executeQuery()) {
                assertThat(rs.next()).isTrue();
            }
            harness.send(key, harness.wire(payment(key)));

            // Then the wait is cut off and retried as transient, again and again, and the loop stays in its group
            await("the lock wait cut off and retried").atMost(Duration.ofSeconds(30))
                    .until(() -> attempts.get() >= 3 && consumer.transientRetryCount() >= 2);
            assertThat(consumer.ready()).as("the loop keeps polling while the record waits").isTrue();
            assertThat(consumer.restartCount()).isZero();
            assertThat(harness.deadLetteredNow(group, key)).isEmpty();
            assertThat(effects(db, key)).isZero();
            blocker.rollback();
        }

        // And once the lock is let go it is applied, once
        await(key + " applied").atMost(Duration.ofSeconds(30)).until(() -> effects(db, key) == 1);
        assertThat(harness.deadLetteredNow(group, key)).isEmpty();
    }

    @Test
    void anUnreachableRegistryIsRetriedWithoutLimitAndTheRecordAppliedOnceItIsBack() throws Exception {
        Database db = harness.database(TestDatabase.kinds().get(0));
        String group = "it-registry-" + java.util.UUID.randomUUID();
        String key = orderId("registry");
        // The consumer's own registry (on the same schema topic), which we can stop and start on a fixed port
        int port = freePort();
        EmbeddedSchemaRegistry registry = harness.closeAfterTest(EmbeddedSchemaRegistry
                .builder(harness.stack.bootstrapServers()).port(port).build());
        AvroSerde consumerSerde = new AvroSerde(new HttpSchemaRegistryClient("http://127.0.0.1:" + port,
                Duration.ofSeconds(1), Duration.ofSeconds(2)));

        // Given the registry is unreachable when a record with a schema id the consumer has not seen arrives
        harness.send(key, harness.wire(payment(key)));
        AtomicInteger attempts = new AtomicInteger();
        IdempotentConsumer consumer = start(db, group, recordEffect(), (topic, bytes) -> {
            attempts.incrementAndGet();
            return consumerSerde.deserializer().deserialize(topic, bytes);
        });
        await("decode attempts while the registry is away").atMost(Duration.ofSeconds(60))
                .until(() -> attempts.get() >= RETRY.maxAttempts() * 2);
        assertThat(harness.deadLetteredNow(group, key)).as("nothing dead-lettered while the registry is away").isEmpty();
        assertThat(consumer.transientRetryCount()).isPositive();

        // When it is back
        registry.start();

        // Then the record is applied once, and nothing was dead-lettered
        await(key + " applied").atMost(Duration.ofSeconds(30)).until(() -> effects(db, key) == 1);
        assertThat(harness.deadLetteredNow(group, key)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void anUnreachableDatabaseIsRetriedWithoutLimitAndTheRecordAppliedOnceItIsBack(String kind) throws Exception {
        Assumptions.assumeTrue(kind.equals("postgresql"), "an embedded H2 file database cannot become unreachable");
        TestDatabase created = harness.closeAfterTest(TestDatabase.create(kind, "platform-it"));
        URI target = URI.create(created.url().substring("jdbc:".length()));
        TcpProxy proxy = harness.closeAfterTest(new TcpProxy(target.getHost(), target.getPort()).start());
        String viaProxy = created.url().replaceFirst("//[^/]+/", "//127.0.0.1:" + proxy.port() + "/");
        Database db = harness.closeAfterTest(Database.open("platform-it", viaProxy, created.user(), "", 4));
        ConsumerHarness.createTestTables(db);
        String group = "it-db-down-" + java.util.UUID.randomUUID();
        String key = orderId("db-down");
        IdempotentConsumer consumer = start(db, group, recordEffect());
        String warm = orderId("warm");
        harness.send(warm, harness.wire(payment(warm)));
        await(warm + " applied").atMost(Duration.ofSeconds(30)).until(() -> effects(db, warm) == 1);

        // Given the database is unreachable
        proxy.cut();
        harness.send(key, harness.wire(payment(key)));

        // Then it is retried past the bound for unknown failures, and nothing is dead-lettered
        await("retries while the database is away").atMost(Duration.ofSeconds(90))
                .until(() -> consumer.transientRetryCount() > RETRY.maxAttempts());
        assertThat(harness.deadLetteredNow(group, key)).isEmpty();
        assertThat(consumer.restartCount()).as("a database outage pauses partitions; the loop itself keeps polling").isZero();

        // When it is back, the record is applied once
        proxy.restore();
        // (the pool may need a moment to connect again; this check's own reads may time out meanwhile)
        await(key + " applied").atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(java.sql.SQLException.class)
                .until(() -> effects(db, key) == 1);
        assertThat(harness.deadLetteredNow(group, key)).isEmpty();
    }

    @Test
    void aSchemaIdTheRegistryDoesNotHaveIsDeadLetteredAtOnceWithTheReason() throws Exception {
        Database db = harness.database(TestDatabase.kinds().get(0));
        String group = "it-unknown-schema-" + java.util.UUID.randomUUID();
        start(db, group, recordEffect());
        String key = orderId("unknown-schema");
        byte[] wire = harness.wire(payment(key));
        wire[1] = 0x7f; // schema id 0x7fxxxxxx: no registry has that many schemas
        harness.send(0, key, wire);
        harness.send(0, key, harness.wire(payment(key)));

        await(key + " applied after the poison record").atMost(Duration.ofSeconds(30)).until(() -> effects(db, key) == 1);
        var dead = harness.deadLettered(group, key, 1);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).value()).isEqualTo(wire);
        assertThat(header(dead.get(0), DeadLetters.ATTEMPTS)).isEqualTo("1");
        assertThat(header(dead.get(0), DeadLetters.EXCEPTION_MESSAGE)).contains("is not in the registry");
        assertThat(header(dead.get(0), DeadLetters.FAILURE_KIND)).isEqualTo("POISON");
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}
