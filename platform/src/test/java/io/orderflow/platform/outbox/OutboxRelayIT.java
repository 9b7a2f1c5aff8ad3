package io.orderflow.platform.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.devstack.DevStack;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.RefundPayment;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.kafka.TopicAdmin;
import io.orderflow.platform.testing.TestDatabase;
import io.orderflow.platform.testing.TopicContents;
import io.orderflow.schemas.Topic;
import io.orderflow.schemas.Topics;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The outbox relay on a real broker, registry and database: a row that can never be published is
 * parked after bounded attempts and does not hold back the rows of other keys; a broker outage parks
 * nothing; the relay never publishes without its lock row.
 */
class OutboxRelayIT {

    private static final int MAX_ROW_ATTEMPTS = 3;
    private static DevStack stack;
    private static AvroSerde serde;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startStack() {
        stack = DevStack.startForTests();
        serde = new AvroSerde(new HttpSchemaRegistryClient(stack.schemaRegistryUrl()));
        TopicAdmin.ensureTopics(stack.bootstrapServers(), 2, (short) 1, List.of());
    }

    @AfterAll
    static void stopStack() {
        stack.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        toClose.clear();
    }

    static List<String> kinds() {
        return TestDatabase.kinds();
    }

    private Database database(String kind) throws Exception {
        TestDatabase t = TestDatabase.create(kind, "platform-it");
        toClose.add(t);
        Database db = Database.open("platform-it", t.url(), t.user(), "", 4);
        toClose.add(db);
        return db;
    }

    private OutboxRelay relay(Database db) {
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.with(
                KafkaClients.producer(stack.bootstrapServers(), "relay-it-" + UUID.randomUUID()), Map.of(
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 4_000)));
        OutboxRelay relay = new OutboxRelay("relay-it", db, producer, serde.serializer(),
                new OutboxRelay.Settings(100, Duration.ofMillis(20), MAX_ROW_ATTEMPTS, Duration.ofSeconds(10)));
        toClose.add(relay);
        return relay;
    }

    static PaymentCompleted payment(String orderId) {
        return PaymentCompleted.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setPaymentId("p-" + orderId)
                .setCustomerId("c-1").setCurrency("USD").setSubtotalCents(1000).setDiscountCents(0)
                .setPointsRedeemed(0).setAmountCents(1000).build();
    }

    static RefundPayment refund(String orderId) {
        return RefundPayment.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setReason("test").build();
    }

    private static void add(Database db, Outbox outbox, Topic topic, String key, SpecificRecord event) throws Exception {
        db.inTransaction(tx -> {
            outbox.add(tx, topic, key, event);
            return null;
        });
    }

    /** A row as a buggy writer or a damaged disk would leave it: its payload is not Avro of its type. */
    private static void addCorruptRow(Database db, String key) throws Exception {
        db.inTransaction(tx -> {
            try (PreparedStatement ps = tx.prepareStatement("INSERT INTO outbox (topic, record_key, event_type, event_id, "
                    + "payload, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, Topics.PAYMENTS_EVENTS.name());
                ps.setString(2, key);
                ps.setString(3, PaymentCompleted.getClassSchema().getFullName());
                ps.setString(4, UUID.randomUUID().toString());
                ps.setBytes(5, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
                ps.setTimestamp(6, Timestamp.from(Instant.now()));
                ps.executeUpdate();
            }
            return null;
        });
    }

    private static long published(Topic topic, String key) {
        return TopicContents.readAll(stack.bootstrapServers(), topic.name()).stream().filter(r -> key.equals(r.key())).count();
    }

    private static int count(Database db, String sql) throws Exception {
        return db.read(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    private static List<String> parked(Database db) throws Exception {
        return db.read(c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT record_key, attempts, reason FROM outbox_parked ORDER BY outbox_id")) {
                List<String> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(rs.getString(1) + " after " + rs.getInt(2) + ": " + rs.getString(3));
                }
                return rows;
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void aRowThatCannotBeDecodedIsParkedAndTheRowsOfOtherKeysArePublished(String kind) throws Exception {
        Database db = database(kind);
        OutboxRelay relay = relay(db);
        Outbox outbox = new Outbox(relay::wakeup);
        String bad = "o-bad-" + UUID.randomUUID();
        List<String> others = List.of("o-1-" + UUID.randomUUID(), "o-2-" + UUID.randomUUID());

        // Given a corrupt row, a good row of the same key after it, then good rows of other keys
        addCorruptRow(db, bad);
        add(db, outbox, Topics.PAYMENTS_EVENTS, bad, payment(bad));
        for (String key : others) {
            add(db, outbox, Topics.PAYMENTS_EVENTS, key, payment(key));
        }
        relay.start();

        // Then the rows of other keys are published, and the corrupt row is parked after the bounded attempts
        for (String key : others) {
            await(key + " published").atMost(Duration.ofSeconds(30)).until(() -> published(Topics.PAYMENTS_EVENTS, key) == 1);
        }
        await("the corrupt row parked").atMost(Duration.ofSeconds(30)).until(() -> relay.parkedCount() == 1);
        assertThat(parked(db)).singleElement().asString()
                .startsWith(bad + " after " + MAX_ROW_ATTEMPTS + ": ").contains("Exception");
        // and the later row of its key waits behind it rather than overtaking it
        String more = "o-3-" + UUID.randomUUID();
        add(db, outbox, Topics.PAYMENTS_EVENTS, more, payment(more));
        await(more + " published").atMost(Duration.ofSeconds(30)).until(() -> published(Topics.PAYMENTS_EVENTS, more) == 1);
        assertThat(published(Topics.PAYMENTS_EVENTS, bad)).isZero();
        assertThat(count(db, "SELECT COUNT(*) FROM outbox")).as("the parked row and the one held behind it").isEqualTo(2);
        assertThat(relay.healthy()).as("a parked row does not stop the relay").isTrue();

        // When an operator drops the corrupt row, the one held behind it goes out
        db.inTransaction(tx -> {
            try (Statement s = tx.createStatement()) {
                s.executeUpdate("DELETE FROM outbox WHERE id = (SELECT outbox_id FROM outbox_parked)");
            }
            return null;
        });
        await(bad + "'s later row published").atMost(Duration.ofSeconds(30)).until(() -> published(Topics.PAYMENTS_EVENTS, bad) == 1);
        assertThat(count(db, "SELECT COUNT(*) FROM outbox_parked")).isZero();
    }

    @Test
    void aTypeTheRegistryRefusesIsParkedAndOtherTopicsFlow() throws Exception {
        Database db = database(TestDatabase.kinds().get(0));
        // Given the registry holds a schema for payments.commands that RefundPayment cannot evolve from
        new HttpSchemaRegistryClient(stack.schemaRegistryUrl()).register(Topics.PAYMENTS_COMMANDS.valueSubject(),
                Schema.create(Schema.Type.STRING));
        OutboxRelay relay = relay(db);
        Outbox outbox = new Outbox(relay::wakeup);
        String refused = "o-refused-" + UUID.randomUUID();
        String fine = "o-fine-" + UUID.randomUUID();
        add(db, outbox, Topics.PAYMENTS_COMMANDS, refused, refund(refused));
        add(db, outbox, Topics.PAYMENTS_EVENTS, fine, payment(fine));
        relay.start();

        await(fine + " published").atMost(Duration.ofSeconds(30)).until(() -> published(Topics.PAYMENTS_EVENTS, fine) == 1);
        await("the refused row parked").atMost(Duration.ofSeconds(30)).until(() -> relay.parkedCount() == 1);
        assertThat(parked(db)).singleElement().asString().startsWith(refused).contains("SchemaRejectedException", "409");
        assertThat(count(db, "SELECT COUNT(*) FROM outbox")).as("the refused row stays").isEqualTo(1);
    }

    @Test
    void whileTheBrokerIsDownRowsWaitAndNothingIsParked() throws Exception {
        Database db = database(TestDatabase.kinds().get(0));
        OutboxRelay relay = relay(db);
        Outbox outbox = new Outbox(relay::wakeup);
        relay.start();
        String before = "o-before-" + UUID.randomUUID();
        add(db, outbox, Topics.PAYMENTS_EVENTS, before, payment(before));
        await(before + " published").atMost(Duration.ofSeconds(30)).until(() -> published(Topics.PAYMENTS_EVENTS, before) == 1);

        // Given the broker is down while rows are written
        stack.kafka().stop();
        List<String> keys = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                String key = "o-outage-" + i + "-" + UUID.randomUUID();
                add(db, outbox, Topics.PAYMENTS_EVENTS, key, payment(key));
                keys.add(key);
            }
            // Then the relay keeps failing to publish, more often than a row may fail before it is parked
            await("the relay retries").atMost(Duration.ofSeconds(90)).until(() -> relay.retryCount() > MAX_ROW_ATTEMPTS + 1);
            assertThat(relay.status()).isEqualTo(OutboxRelay.Status.RETRYING);
            assertThat(count(db, "SELECT COUNT(*) FROM outbox")).isEqualTo(3);
            assertThat(count(db, "SELECT COUNT(*) FROM outbox_parked")).as("a broker outage parks nothing").isZero();
        } finally {
            stack.kafka().start();
        }

        // When it is back, every row is published once
        for (String key : keys) {
            await(key + " published").atMost(Duration.ofSeconds(60)).until(() -> published(Topics.PAYMENTS_EVENTS, key) == 1);
        }
        await("outbox empty").atMost(Duration.ofSeconds(30)).until(() -> count(db, "SELECT COUNT(*) FROM outbox") == 0);
        assertThat(relay.healthy()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void withoutItsLockRowTheRelayPublishesNothing(String kind) throws Exception {
        Database db = database(kind);
        db.inTransaction(tx -> {
            try (Statement s = tx.createStatement()) {
                s.executeUpdate("DELETE FROM outbox_relay_lock");
            }
            return null;
        });
        OutboxRelay relay = relay(db);
        Outbox outbox = new Outbox(relay::wakeup);
        String key = "o-unlocked-" + UUID.randomUUID();
        add(db, outbox, Topics.PAYMENTS_EVENTS, key, payment(key));
        relay.start();

        await("the relay reports the missing lock").atMost(Duration.ofSeconds(30))
                .until(() -> relay.status() == OutboxRelay.Status.LOCK_ROW_MISSING);
        assertThat(relay.healthy()).isFalse();
        assertThat(relay.publishedCount()).isZero();
        assertThat(published(Topics.PAYMENTS_EVENTS, key)).isZero();

        // When an operator restores the lock row, the relay publishes again
        db.inTransaction(tx -> {
            try (Statement s = tx.createStatement()) {
                s.executeUpdate("INSERT INTO outbox_relay_lock (name) VALUES ('relay')");
            }
            return null;
        });
        await(key + " published").atMost(Duration.ofSeconds(30)).until(() -> published(Topics.PAYMENTS_EVENTS, key) == 1);
    }
}
