package io.orderflow.platform.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.devstack.DevStack;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.kafka.TopicAdmin;
import io.orderflow.platform.kafka.TraceContext;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.platform.outbox.OutboxRelay;
import io.orderflow.platform.testing.TestDatabase;
import io.orderflow.platform.testing.TopicContents;
import io.orderflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reliable-messaging plumbing on a real broker, registry and PostgreSQL database: outbox → relay
 * → topic → idempotent consumer, duplicates, retries, poison records.
 * The loop's crash-safety and each class of failure: {@code ConsumerLoopIT}, {@code ConsumerFailuresIT}.
 */
class IdempotentConsumerIT {

    // A broker per test: each test reads its topics from the beginning and must see only its own records.
    private DevStack stack;
    private AvroSerde serde;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void startStack() throws Exception {
        stack = DevStack.startForTests();
        toClose.add(stack);
        serde = new AvroSerde(new HttpSchemaRegistryClient(stack.schemaRegistryUrl()));
        TopicAdmin.ensureTopics(stack.bootstrapServers(), 2, (short) 1, List.of());
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    static List<String> kinds() {
        return TestDatabase.kinds();
    }

    private Database database(String kind) throws Exception {
        TestDatabase t = TestDatabase.create(kind, "platform-it");
        toClose.add(t);
        Database db = Database.open("platform-it", t.url(), t.user(), "", 4);
        toClose.add(db);
        db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE effects (event_id VARCHAR(64) PRIMARY KEY, order_id VARCHAR(64) NOT NULL)");
            }
            return null;
        });
        return db;
    }

    private IdempotentConsumer consumer(Database db, String group, EventHandler handler) {
        Properties props = KafkaClients.consumer(stack.bootstrapServers(), group, group);
        KafkaProducer<String, byte[]> dltProducer = new KafkaProducer<>(KafkaClients.producer(stack.bootstrapServers(), group + "-dlt"));
        toClose.add(dltProducer);
        TopicAdmin.ensureTopics(stack.bootstrapServers(), 2, (short) 1, List.of(group));
        IdempotentConsumer consumer = new IdempotentConsumer(group, props, List.of(Topics.PAYMENTS_EVENTS),
                serde.deserializer(), db, handler, new DeadLetters(group, dltProducer),
                new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50)));
        consumer.start();
        toClose.add(consumer);
        return consumer;
    }

    private static EventHandler recordEffect() {
        return (event, tx) -> {
            try (PreparedStatement ps = tx.prepareStatement("INSERT INTO effects (event_id, order_id) VALUES (?, ?)")) {
                ps.setString(1, event.eventId());
                ps.setString(2, event.key());
                ps.executeUpdate();
            }
        };
    }

    private static int effects(Database db, String orderId) throws Exception {
        return db.read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM effects WHERE order_id = ?")) {
                ps.setString(1, orderId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    static PaymentCompleted payment(String orderId) {
        return PaymentCompleted.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setPaymentId("p-" + orderId)
                .setCustomerId("c-1").setCurrency("USD").setSubtotalCents(1000).setDiscountCents(0)
                .setPointsRedeemed(0).setAmountCents(1000).build();
    }

    private void send(String key, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaClients.producer(stack.bootstrapServers(), "it"))) {
            p.send(new ProducerRecord<>(Topics.PAYMENTS_EVENTS.name(), key, value)).get();
        }
    }

    private List<ConsumerRecord<String, byte[]>> readDlt(String group, int atLeast) {
        return TopicContents.awaitAtLeast(stack.bootstrapServers(), Topics.deadLetterTopic(group), atLeast);
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void anEventTwiceInOnePollIsAppliedOnceByTheBatch(String kind) throws Exception {
        Database db = database(kind);
        // Given, before the consumer starts, one partition holding A, B and A again (a relay that published A twice)
        String order = "o-" + UUID.randomUUID();
        byte[] a = serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), payment(order));
        byte[] b = serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), payment(order));
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaClients.producer(stack.bootstrapServers(), "it-twice"))) {
            for (byte[] value : List.of(a, b, a)) {
                p.send(new ProducerRecord<>(Topics.PAYMENTS_EVENTS.name(), order, value)).get();
            }
        }
        // When a new group reads them (one poll, one batch transaction with one inbox statement)
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        EventHandler effect = recordEffect();
        IdempotentConsumer consumer = consumer(db, "it-twice-" + kind + "-" + UUID.randomUUID(), (event, tx) -> {
            if (event.key().equals(order)) {
                calls.incrementAndGet();
            }
            effect.handle(event, tx);
        });

        // Then A and B are applied once each and the second A counts as a duplicate
        await().atMost(Duration.ofSeconds(30)).until(() -> effects(db, order) == 2 && consumer.duplicateCount() >= 1);
        assertThat(consumer.duplicateCount()).isEqualTo(1);
        assertThat(effects(db, order)).isEqualTo(2);
        // And the handler ran twice: no attempt applied A twice (a batch that did would fail on the effect's key
        // and fall back to one by one, calling the handler again)
        assertThat(calls.get()).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void theOutboxPublishesCommittedEventsOnlyAndADuplicateIsAppliedOnce(String kind) throws Exception {
        Database db = database(kind);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.producer(stack.bootstrapServers(), "relay-" + kind));
        OutboxRelay relay = new OutboxRelay("it-" + kind, db, producer, serde.serializer(),
                new OutboxRelay.Settings(100, Duration.ofMillis(20), 5, Duration.ofSeconds(30)));
        Outbox outbox = new Outbox(relay::wakeup);
        relay.start();
        toClose.add(relay);
        String group = "it-outbox-" + kind + "-" + UUID.randomUUID();
        IdempotentConsumer consumer = consumer(db, group, recordEffect());

        // Given an event committed with its state change, and one whose transaction rolled back
        String committed = "o-" + UUID.randomUUID();
        String rolledBack = "o-" + UUID.randomUUID();
        PaymentCompleted event = payment(committed);
        try (TraceContext.Scope ignored = TraceContext.start("corr-1").open()) {
            db.inTransaction(tx -> {
                outbox.add(tx, Topics.PAYMENTS_EVENTS, committed, event);
                return null;
            });
        }
        try {
            db.inTransaction(tx -> {
                outbox.add(tx, Topics.PAYMENTS_EVENTS, rolledBack, payment(rolledBack));
                throw new IllegalStateException("business rule failed after the write");
            });
        } catch (IllegalStateException expected) {
            // the transaction rolled back, and its event with it
        }

        // Then only the committed one is published and applied
        await().atMost(Duration.ofSeconds(20)).until(() -> effects(db, committed) == 1);
        // And when it is delivered again (same eventId), it is skipped
        send(committed, serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), event));
        await().atMost(Duration.ofSeconds(20)).until(() -> consumer.duplicateCount() == 1);
        assertThat(effects(db, committed)).isEqualTo(1);
        assertThat(effects(db, rolledBack)).isZero();
        assertThat(relay.publishedCount()).isEqualTo(1);
        int outboxRows = db.read(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM outbox")) {
                rs.next();
                return rs.getInt(1);
            }
        });
        assertThat(outboxRows).as("published rows are deleted").isZero();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aPoisonRecordGoesToTheDltWithTheReasonAndThePartitionMovesOn(String kind) throws Exception {
        Database db = database(kind);
        String group = "it-poison-" + kind + "-" + UUID.randomUUID();
        consumer(db, group, recordEffect());
        String orderId = "o-" + UUID.randomUUID();

        send(orderId, "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8));
        send(orderId, serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), payment(orderId)));

        await().atMost(Duration.ofSeconds(20)).until(() -> effects(db, orderId) == 1);
        ConsumerRecord<String, byte[]> dead = readDlt(group, 1).get(0);
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("{\"not\":\"avro\"}");
        assertThat(dead.key()).isEqualTo(orderId);
        assertThat(header(dead, DeadLetters.EXCEPTION_MESSAGE)).contains("magic byte");
        assertThat(header(dead, DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.PAYMENTS_EVENTS.name());
        assertThat(header(dead, DeadLetters.ATTEMPTS)).isEqualTo("1");
        assertThat(header(dead, DeadLetters.FAILURE_KIND)).isEqualTo("POISON");
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aTransientFailureIsRetriedUntilItPassesAndAnUnknownOneIsDeadLetteredAfterBoundedRetries(String kind) throws Exception {
        Database db = database(kind);
        String group = "it-retry-" + kind + "-" + UUID.randomUUID();
        String flaky = "o-flaky-" + UUID.randomUUID();
        String broken = "o-broken-" + UUID.randomUUID();
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        EventHandler effect = recordEffect();
        consumer(db, group, (event, tx) -> {
            int attempt = attempts.computeIfAbsent(event.key(), k -> new AtomicInteger()).incrementAndGet();
            // Transient (e.g. the database briefly away): more failures than the retry bound, still never dead-lettered.
            if (event.key().equals(flaky) && attempt <= 5) {
                throw new java.sql.SQLTransientException("simulated transient failure #" + attempt + " for " + event.key());
            }
            // A bug: bounded retries, then the DLT.
            if (event.key().equals(broken)) {
                throw new IllegalStateException("simulated bug #" + attempt + " for " + event.key());
            }
            effect.handle(event, tx);
        });

        send(flaky, serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), payment(flaky)));
        send(broken, serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), payment(broken)));

        await().atMost(Duration.ofSeconds(30)).until(() -> effects(db, flaky) == 1);
        assertThat(attempts.get(flaky).get()).isGreaterThan(3);
        ConsumerRecord<String, byte[]> dead = readDlt(group, 1).get(0);
        assertThat(dead.key()).isEqualTo(broken);
        assertThat(header(dead, DeadLetters.ATTEMPTS)).isEqualTo("3");
        assertThat(header(dead, DeadLetters.FAILURE_KIND)).isEqualTo("UNKNOWN");
        assertThat(header(dead, DeadLetters.EXCEPTION_MESSAGE)).contains("simulated bug");
        assertThat(effects(db, broken)).isZero();
        assertThat(readDlt(group, 1)).as("only the bug is dead-lettered, never the transient failure").hasSize(1);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void aDeadLetteredRecordIsAppliedOnceItIsRedrivenAfterTheCauseIsFixed(String kind) throws Exception {
        Database db = database(kind);
        String group = "it-redrive-" + kind + "-" + UUID.randomUUID();
        String orderId = "o-" + UUID.randomUUID();
        java.util.concurrent.atomic.AtomicBoolean downstreamBroken = new java.util.concurrent.atomic.AtomicBoolean(true);
        EventHandler effect = recordEffect();
        IdempotentConsumer consumer = consumer(db, group, (event, tx) -> {
            if (downstreamBroken.get()) {
                throw new IllegalStateException("downstream bug");
            }
            effect.handle(event, tx);
        });

        // Given a record dead-lettered while the handler had a bug
        send(orderId, serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), payment(orderId)));
        readDlt(group, 1);
        assertThat(effects(db, orderId)).isZero();

        // When the cause is fixed and the DLT is redriven
        downstreamBroken.set(false);
        Redrive.Result dryRun = Redrive.run(stack.bootstrapServers(), group, true);
        Redrive.Result result = Redrive.run(stack.bootstrapServers(), group, false);

        // Then it is applied, once; a second redrive finds nothing left
        assertThat(dryRun.redriven()).isEqualTo(1);
        assertThat(result.perTopic()).isEqualTo(Map.of(Topics.PAYMENTS_EVENTS.name(), 1));
        await().atMost(Duration.ofSeconds(20)).until(() -> effects(db, orderId) == 1);
        assertThat(Redrive.run(stack.bootstrapServers(), group, false).redriven()).isZero();
        assertThat(consumer.deadLetteredCount()).isEqualTo(1);
    }
}
