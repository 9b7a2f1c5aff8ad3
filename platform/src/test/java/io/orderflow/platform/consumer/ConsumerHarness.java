package io.orderflow.platform.consumer;

import static org.awaitility.Awaitility.await;

import io.orderflow.devstack.DevStack;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.kafka.TopicAdmin;
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
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the consumer-loop ITs share: one real broker and registry for a test class (tests keep apart
 * by unique order ids and consumer groups), throw-away databases with an {@code effects} table, and
 * ways to send records and read a group's DLT.
 */
final class ConsumerHarness implements AutoCloseable {

    final DevStack stack;
    final AvroSerde serde;
    private final KafkaProducer<String, byte[]> producer;
    private final List<AutoCloseable> perTest = new ArrayList<>();

    ConsumerHarness() {
        this.stack = DevStack.startForTests();
        this.serde = new AvroSerde(new HttpSchemaRegistryClient(stack.schemaRegistryUrl()));
        TopicAdmin.ensureTopics(stack.bootstrapServers(), 2, (short) 1, List.of());
        this.producer = new KafkaProducer<>(KafkaClients.producer(stack.bootstrapServers(), "it-harness"));
    }

    /** Closed by {@link #afterEach()}, last registered first. */
    <T extends AutoCloseable> T closeAfterTest(T closeable) {
        perTest.add(closeable);
        return closeable;
    }

    void afterEach() throws Exception {
        for (int i = perTest.size() - 1; i >= 0; i--) {
            perTest.get(i).close();
        }
        perTest.clear();
    }

    /**
     * A migrated database with an {@code effects(event_id, order_id)} table (no unique key: an event applied
     * twice would show as two rows) and a one-row {@code hot} table to hold a lock on.
     */
    Database database(String kind) throws Exception {
        TestDatabase t = closeAfterTest(TestDatabase.create(kind, "platform-it"));
        Database db = closeAfterTest(Database.open("platform-it", t.url(), t.user(), "", 4));
        createTestTables(db);
        return db;
    }

    static void createTestTables(Database db) throws Exception {
        db.inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE effects (event_id VARCHAR(64) NOT NULL, order_id VARCHAR(64) NOT NULL)");
                s.execute("CREATE TABLE hot (id INT PRIMARY KEY, n INT NOT NULL)");
                s.execute("INSERT INTO hot (id, n) VALUES (1, 0)");
            }
            return null;
        });
    }

    static String kindOf(Database db) {
        return "postgresql";
    }

    /** Consumer settings of the loop under test, with the given overrides. */
    Properties consumerProps(String group, Map<String, ?> overrides) {
        return KafkaClients.with(KafkaClients.consumer(stack.bootstrapServers(), group, group + "-" + UUID.randomUUID()),
                overrides);
    }

    /** A DLT producer that gives up within seconds (a missing DLT topic must fail fast, not after a minute). */
    KafkaProducer<String, byte[]> dltProducer(String group) {
        return closeAfterTest(new KafkaProducer<>(KafkaClients.with(
                KafkaClients.producer(stack.bootstrapServers(), group + "-dlt"), Map.of(
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 2_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 4_000))));
    }

    void createDeadLetterTopic(String group) {
        TopicAdmin.ensureTopics(stack.bootstrapServers(), 2, (short) 1, List.of(group));
    }

    /** Adds the record's event id and order id to {@code effects}. */
    static EventHandler recordEffect() {
        return (event, tx) -> {
            try (PreparedStatement ps = tx.prepareStatement("INSERT INTO effects (event_id, order_id) VALUES (?, ?)")) {
                ps.setString(1, event.eventId());
                ps.setString(2, event.key());
                ps.executeUpdate();
            }
        };
    }

    static int effects(Database db, String orderId) throws Exception {
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

    byte[] wire(PaymentCompleted event) {
        return serde.serialize(Topics.PAYMENTS_EVENTS.name(), event);
    }

    /** Sends to payments.events, to {@code partition} (or by key when null), and waits for the ack. */
    void send(Integer partition, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(Topics.PAYMENTS_EVENTS.name(), partition, key, value)).get(30, TimeUnit.SECONDS);
    }

    void send(String key, byte[] value) throws Exception {
        send(null, key, value);
    }

    /** The records of the group's DLT with record key {@code key}, once there are at least {@code atLeast}. */
    List<ConsumerRecord<String, byte[]>> deadLettered(String group, String key, int atLeast) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        await("at least " + atLeast + " record(s) of " + key + " in the DLT of " + group).atMost(Duration.ofSeconds(30))
                .until(() -> {
                    found.clear();
                    TopicContents.readAll(stack.bootstrapServers(), Topics.deadLetterTopic(group)).stream()
                            .filter(r -> key.equals(r.key())).forEach(found::add);
                    return found.size() >= atLeast;
                });
        return found;
    }

    /** The records of the group's DLT with record key {@code key}, now. */
    List<ConsumerRecord<String, byte[]>> deadLetteredNow(String group, String key) {
        return TopicContents.readAll(stack.bootstrapServers(), Topics.deadLetterTopic(group)).stream()
                .filter(r -> key.equals(r.key())).toList();
    }

    static String header(ConsumerRecord<String, byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static String orderId(String what) {
        return "o-" + what + "-" + UUID.randomUUID();
    }

    @Override
    public void close() throws Exception {
        afterEach();
        producer.close(Duration.ofSeconds(5));
        stack.close();
    }
}
