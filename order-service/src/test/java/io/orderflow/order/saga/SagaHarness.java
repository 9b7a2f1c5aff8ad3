package io.orderflow.order.saga;

import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.RefundPayment;
import io.orderflow.events.ReleaseCoupon;
import io.orderflow.events.ReversePoints;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.InMemorySchemaRegistryClient;
import io.orderflow.platform.streams.BoundedRocksDb;
import io.orderflow.platform.streams.StreamsApp;
import io.orderflow.saga.SagaState;
import io.orderflow.schemas.Topic;
import io.orderflow.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The saga topology in a {@link TopologyTestDriver}, configured as order-service runs it (exactly
 * once, dead-letter handlers): pipes inputs at the harness's clock (record time = wall-clock time)
 * and collects every output record, per topic, with its headers, for the whole test.
 */
final class SagaHarness implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final SagaSettings SETTINGS = SagaSettings.defaults();
    static final String APPLICATION_ID = "order-saga";
    static final String DLT = Topics.deadLetterTopic(APPLICATION_ID);

    private final AvroSerde serde;
    private final TopologyTestDriver driver;
    private final TestInputTopic<String, SpecificRecord> payments;
    private final TestInputTopic<String, SpecificRecord> coupon;
    private final TestInputTopic<String, SpecificRecord> points;
    private final Map<Topic, TestOutputTopic<String, SpecificRecord>> outputs = new LinkedHashMap<>();
    private final TestOutputTopic<byte[], byte[]> deadLetters;
    private final TestOutputTopic<String, SagaState> changelog;
    private final List<TestRecord<String, SagaState>> changes = new ArrayList<>();
    private final List<KeyValue<String, SpecificRecord>> emitted = new ArrayList<>();
    private final List<TestRecord<String, SpecificRecord>> emittedRecords = new ArrayList<>();
    private final List<TestRecord<byte[], byte[]>> deadLettered = new ArrayList<>();
    private Instant now = T0;

    SagaHarness(Path stateDir) {
        this(stateDir, SETTINGS);
    }

    SagaHarness(Path stateDir, SagaSettings settings) {
        this(stateDir, settings, StreamsConfig.EXACTLY_ONCE_V2);
    }

    /**
     * For a dead letter written while a record is read (deserialization): the driver clears the
     * transaction it was written in before anything commits it, so only at-least-once shows it.
     * Under exactly-once with a real broker it commits with the next outputs (SagaDeadLetterIT).
     */
    static SagaHarness atLeastOnce(Path stateDir) {
        return new SagaHarness(stateDir, SETTINGS, StreamsConfig.AT_LEAST_ONCE);
    }

    private SagaHarness(Path stateDir, SagaSettings settings, String processingGuarantee) {
        serde = new AvroSerde(new InMemorySchemaRegistryClient());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, processingGuarantee);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.putAll(StreamsApp.deadLettering(APPLICATION_ID));
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
        driver = new TopologyTestDriver(SagaTopology.topology(serde, settings), props, T0);
        payments = input(serde, Topics.PAYMENTS_EVENTS);
        coupon = input(serde, Topics.COUPON_EVENTS);
        points = input(serde, Topics.POINTS_EVENTS);
        for (Topic topic : SagaTopology.OUTPUTS) {
            outputs.put(topic, driver.createOutputTopic(topic.name(), Serdes.String().deserializer(), serde.deserializer()));
        }
        deadLetters = driver.createOutputTopic(DLT, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        changelog = driver.createOutputTopic(APPLICATION_ID + "-" + SagaTopology.STATE_STORE + "-changelog",
                Serdes.String().deserializer(), serde.forType(SagaState.class).deserializer());
    }

    private TestInputTopic<String, SpecificRecord> input(AvroSerde serde, Topic topic) {
        return driver.createInputTopic(topic.name(), Serdes.String().serializer(), serde.serializer());
    }

    /** Pipes each event to its topic, keyed by its orderId, at the current time. */
    SagaHarness send(SpecificRecord... events) {
        for (SpecificRecord event : events) {
            String orderId = (String) event.get(event.getSchema().getField("orderId").pos());
            topicOf(event).pipeInput(orderId, event, now);
        }
        collect();
        return this;
    }

    /** Pipes each event with these headers (e.g. a trace), keyed by its orderId, at the current time. */
    SagaHarness sendWithHeaders(Headers headers, SpecificRecord event) {
        String orderId = (String) event.get(event.getSchema().getField("orderId").pos());
        topicOf(event).pipeInput(new TestRecord<>(orderId, event, headers, now));
        collect();
        return this;
    }

    /** Pipes {@code event} keyed by {@code key}, whatever order the event is for. */
    SagaHarness sendKeyed(String key, SpecificRecord event) {
        topicOf(event).pipeInput(key, event, now);
        collect();
        return this;
    }

    /** Pipes raw bytes (e.g. not the wire format) to {@code topic}. */
    SagaHarness sendRaw(Topic topic, String key, byte[] value) {
        driver.createInputTopic(topic.name(), Serdes.String().serializer(), new ByteArraySerializer())
                .pipeInput(new TestRecord<>(key, value, new RecordHeaders(), now));
        collect();
        return this;
    }

    /** The bytes a producer of the flow writes for {@code event} on {@code topic}. */
    byte[] serialize(Topic topic, SpecificRecord event) {
        return serde.serialize(topic.name(), event);
    }

    /** Pipes one event with an older record timestamp, as a saga catching up on a backlog reads it. */
    SagaHarness sendPublishedAt(Instant timestamp, SpecificRecord event) {
        String orderId = (String) event.get(event.getSchema().getField("orderId").pos());
        topicOf(event).pipeInput(orderId, event, timestamp);
        collect();
        return this;
    }

    /** Pipes a record without value (a tombstone) to payments.events. */
    SagaHarness sendTombstone(String orderId) {
        payments.pipeInput(orderId, null, now);
        collect();
        return this;
    }

    private TestInputTopic<String, SpecificRecord> topicOf(SpecificRecord event) {
        if (event instanceof PaymentCompleted || event instanceof PaymentRefunded) {
            return payments;
        }
        String name = event.getSchema().getName();
        return name.startsWith("Coupon") ? coupon : points;
    }

    /** Advances wall-clock time (firing the punctuator) and the time of the next inputs. */
    SagaHarness advance(Duration by) {
        now = now.plus(by);
        driver.advanceWallClockTime(by);
        collect();
        return this;
    }

    Instant now() {
        return now;
    }

    private void collect() {
        outputs.forEach((topic, records) -> {
            for (TestRecord<String, SpecificRecord> r : records.readRecordsToList()) {
                if (!topic.carries(r.value())) {
                    throw new AssertionError(r.value().getSchema().getName() + " was routed to " + topic);
                }
                emitted.add(KeyValue.pair(r.key(), r.value()));
                emittedRecords.add(r);
            }
        });
        deadLettered.addAll(deadLetters.readRecordsToList());
        changes.addAll(changelog.readRecordsToList());
    }

    /** Every write to the saga store's changelog so far (a null value is a deletion). */
    List<TestRecord<String, SagaState>> changelog() {
        collect();
        return List.copyOf(changes);
    }

    /** Every record emitted so far with its headers and timestamp, on every output topic. */
    List<TestRecord<String, SpecificRecord>> emittedRecords() {
        return List.copyOf(emittedRecords);
    }

    /** Every record sent to the saga's DLT so far. */
    List<TestRecord<byte[], byte[]>> deadLettered() {
        return List.copyOf(deadLettered);
    }

    /** Writes a saga into the store as an older build (or a bug) may have left it, indexed by its next due time. */
    void store(SagaState state) {
        KeyValueStore<String, SagaState> store = driver.getKeyValueStore(SagaTopology.STATE_STORE);
        store.put(state.getOrderId(), state);
        Instant due = Saga.nextDue(state);
        if (due != null) {
            KeyValueStore<String, String> index = driver.getKeyValueStore(SagaTopology.DEADLINE_STORE);
            index.put(DeadlineIndex.key(due.toEpochMilli(), state.getOrderId()), state.getOrderId());
        }
    }

    /** What the saga-progress store's changelog holds so far, latest value per key (what a restore reads back). */
    Map<String, String> progressChangelog() {
        Map<String, String> latest = new LinkedHashMap<>();
        driver.createOutputTopic(APPLICATION_ID + "-" + SagaTopology.PROGRESS_STORE + "-changelog",
                Serdes.String().deserializer(), Serdes.String().deserializer())
                .readKeyValuesToList().forEach(kv -> latest.put(kv.key, kv.value));
        return latest;
    }

    /** Every record emitted so far, on every output topic. */
    List<KeyValue<String, SpecificRecord>> emitted() {
        return List.copyOf(emitted);
    }

    List<OrderStatusChanged> statuses() {
        return ofType(OrderStatusChanged.class);
    }

    List<RefundPayment> refunds() {
        return ofType(RefundPayment.class);
    }

    List<ReleaseCoupon> releases() {
        return ofType(ReleaseCoupon.class);
    }

    List<ReversePoints> reversals() {
        return ofType(ReversePoints.class);
    }

    <T extends SpecificRecord> List<T> ofType(Class<T> type) {
        return emitted.stream().map(kv -> kv.value).filter(type::isInstance).map(type::cast).toList();
    }

    SagaState saga(String orderId) {
        KeyValueStore<String, SagaState> store = driver.getKeyValueStore(SagaTopology.STATE_STORE);
        return store.get(orderId);
    }

    List<String> deadlineKeys() {
        KeyValueStore<String, String> store = driver.getKeyValueStore(SagaTopology.DEADLINE_STORE);
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, String> all = store.all()) {
            all.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    @Override
    public void close() {
        driver.close();
    }
}
