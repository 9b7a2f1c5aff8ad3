package io.orderflow.order.saga;

import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.RefundPayment;
import io.orderflow.events.ReleaseCoupon;
import io.orderflow.events.ReversePoints;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.saga.SagaState;
import io.orderflow.schemas.Topic;
import io.orderflow.schemas.Topics;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The order saga as a Kafka Streams topology:
 * {@code payments.events + coupon.events + points.events → saga (state, deadline and progress stores) →
 * orders.status, coupon.commands, points.commands, payments.commands}, all keyed by orderId.
 * Configuration (exactly_once_v2, application id, state dir, the dead-letter handlers that send what
 * the saga cannot read or apply to {@code order-saga.dlt}) is the caller's ({@code StreamsApp.defaults}).
 */
public final class SagaTopology {

    /** Saga state per order (key orderId, value {@link SagaState}); queryable for the order's timeline. */
    public static final String STATE_STORE = "saga-state";
    /** Deadline index: key {@code <20-digit deadline millis>|<orderId>}, value orderId. */
    public static final String DEADLINE_STORE = "saga-deadlines";
    /** Each participant's progress in this task (key {@code <kind>|<step>}, value {@code <millis>|<position>}). */
    public static final String PROGRESS_STORE = "saga-progress";
    /** The topics the saga reads. */
    public static final List<Topic> INPUTS = List.of(Topics.PAYMENTS_EVENTS, Topics.COUPON_EVENTS, Topics.POINTS_EVENTS);
    /** The topics the saga writes. */
    public static final List<Topic> OUTPUTS = List.of(Topics.ORDERS_STATUS, Topics.COUPON_COMMANDS,
            Topics.POINTS_COMMANDS, Topics.PAYMENTS_COMMANDS);

    private SagaTopology() {
    }

    /** Adds the saga to {@code builder} (which may carry other parts of order-service's topology). */
    public static void build(StreamsBuilder builder, AvroSerde serde, SagaSettings settings) {
        build(builder, serde, settings, new LongAdder());
    }

    /**
     * Adds the saga to {@code builder}, counting in {@code deadlineExtensions} every deadline extended
     * because its step was alive and behind a backlog (for a metric).
     */
    public static void build(StreamsBuilder builder, AvroSerde serde, SagaSettings settings,
                             LongAdder deadlineExtensions) {
        builder.stream(INPUTS.stream().map(Topic::name).toList(),
                        Consumed.with(Serdes.String(), serde).withName("saga-inputs"))
                .process(new SagaProcessorSupplier(serde, settings, deadlineExtensions), Named.as("saga"))
                .to((orderId, record, context) -> outputTopic(record).name(),
                        Produced.with(Serdes.String(), serde).withName("saga-outputs"));
    }

    /** A topology holding only the saga. */
    public static Topology topology(AvroSerde serde, SagaSettings settings) {
        StreamsBuilder builder = new StreamsBuilder();
        build(builder, serde, settings);
        return builder.build();
    }

    static Topic outputTopic(SpecificRecord record) {
        if (record instanceof OrderStatusChanged) {
            return Topics.ORDERS_STATUS;
        } else if (record instanceof ReleaseCoupon) {
            return Topics.COUPON_COMMANDS;
        } else if (record instanceof ReversePoints) {
            return Topics.POINTS_COMMANDS;
        } else if (record instanceof RefundPayment) {
            return Topics.PAYMENTS_COMMANDS;
        }
        throw new IllegalArgumentException("The saga has no output topic for " + record.getSchema().getFullName());
    }

    /** Creates one processor per task and declares the stores it uses. */
    private record SagaProcessorSupplier(AvroSerde serde, SagaSettings settings, LongAdder extensions)
            implements ProcessorSupplier<String, SpecificRecord, String, SpecificRecord> {

        @Override
        public Processor<String, SpecificRecord, String, SpecificRecord> get() {
            return new SagaProcessor(settings, extensions);
        }

        @Override
        public Set<StoreBuilder<?>> stores() {
            return Set.of(
                    Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STATE_STORE),
                            Serdes.String(), serde.forType(SagaState.class)),
                    Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DEADLINE_STORE),
                            Serdes.String(), Serdes.String()),
                    // Written on every step result: the cache keeps one changelog record per key and commit.
                    Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PROGRESS_STORE),
                            Serdes.String(), Serdes.String()).withCachingEnabled());
        }
    }
}
