package io.orderflow.order.saga;

import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.RefundPayment;
import io.orderflow.events.ReleaseCoupon;
import io.orderflow.events.ReversePoints;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.InMemorySchemaRegistryClient;
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
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The saga topology in a {@link TopologyTestDriver}: pipes inputs at the harness's clock (record
 * time = wall-clock time) and collects every output record, per topic, for the whole test.
 */
final class SagaHarness implements AutoCloseable {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final SagaSettings SETTINGS = SagaSettings.defaults();

    private final TopologyTestDriver driver;
    private final TestInputTopic<String, SpecificRecord> payments;
    private final TestInputTopic<String, SpecificRecord> coupon;
    private final TestInputTopic<String, SpecificRecord> points;
    private final Map<Topic, TestOutputTopic<String, SpecificRecord>> outputs = new LinkedHashMap<>();
    private final List<KeyValue<String, SpecificRecord>> emitted = new ArrayList<>();
    private Instant now = T0;

    SagaHarness(Path stateDir) {
        AvroSerde serde = new AvroSerde(new InMemorySchemaRegistryClient());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "saga-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(SagaTopology.topology(serde, SETTINGS), props, T0);
        payments = input(serde, Topics.PAYMENTS_EVENTS);
        coupon = input(serde, Topics.COUPON_EVENTS);
        points = input(serde, Topics.POINTS_EVENTS);
        for (Topic topic : SagaTopology.OUTPUTS) {
            outputs.put(topic, driver.createOutputTopic(topic.name(), Serdes.String().deserializer(), serde.deserializer()));
        }
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
            for (KeyValue<String, SpecificRecord> kv : records.readKeyValuesToList()) {
                if (!topic.carries(kv.value)) {
                    throw new AssertionError(kv.value.getSchema().getName() + " was routed to " + topic);
                }
                emitted.add(kv);
            }
        });
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
