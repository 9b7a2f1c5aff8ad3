package io.orderflow.order;

import io.orderflow.order.api.OrderApi;
import io.orderflow.order.catalog.CouponView;
import io.orderflow.order.payment.PaymentGateway;
import io.orderflow.order.payment.SimulatedPaymentGateway;
import io.orderflow.order.saga.SagaSettings;
import io.orderflow.order.saga.SagaTopology;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.kafka.TopicAdmin;
import io.orderflow.platform.lifecycle.ServiceRunner;
import io.orderflow.platform.runtime.RuntimeService;
import io.orderflow.platform.runtime.ServiceRuntime;
import io.orderflow.platform.streams.BoundedRocksDb;
import io.orderflow.platform.streams.StreamsApp;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.streams.StreamsBuilder;

/**
 * order-service: checkout API (the only synchronous step), the saga (Kafka Streams) that decides
 * each order's fate, and the consumer that applies the saga's decisions and executes refunds.
 */
public final class OrderService extends RuntimeService {

    /**
     * The saga's Kafka Streams application id (its consumer group and the prefix of its internal
     * topics); its dead letters go to {@code order-saga.dlt} ({@code redrive order-saga}).
     */
    public static final String SAGA_APPLICATION_ID = "order-saga";

    private final OrderServiceConfig config;
    private final CouponView catalog;
    private StreamsApp saga;

    private OrderService(OrderServiceConfig config, ServiceRuntime runtime) {
        super(runtime);
        this.config = config;
        this.catalog = new CouponView(config.common().kafkaBootstrapServers(), "order-service-coupon-catalog",
                runtime.serde().deserializer());
    }

    public static OrderService create(OrderServiceConfig config) {
        return new OrderService(config, ServiceRuntime.create(config.common()));
    }

    @Override
    protected void beforeStart() {
        PaymentGateway gateway = new SimulatedPaymentGateway(config.paymentLimitCents());
        OrderWaiters waiters = new OrderWaiters();
        new OrderApi(runtime.db(), new Checkout(runtime.db(), runtime.outbox(), gateway, catalog), waiters)
                .register(runtime.http());
        runtime.consume(List.of(Topics.ORDERS_STATUS, Topics.PAYMENTS_COMMANDS),
                new OrderEventHandler(runtime.outbox(), gateway, waiters));

        StreamsBuilder builder = new StreamsBuilder();
        LongAdder deadlineExtensions = new LongAdder();
        SagaTopology.build(builder, runtime.serde(), new SagaSettings(config.sagaStepDeadline(),
                config.sagaCompensationDeadline(), SagaSettings.DEFAULT_PUNCTUATE_INTERVAL, config.sagaRetention(),
                config.sagaMaxBacklogWait()), deadlineExtensions);
        runtime.metrics().counter("orderflow.saga.deadline.extensions",
                "Saga deadlines extended because their step was alive and behind a backlog", deadlineExtensions,
                LongAdder::sum);
        Properties streamsConfig = StreamsApp.defaults(SAGA_APPLICATION_ID, config.common().kafkaBootstrapServers(),
                config.streamsStateDir(), config.common().topicReplicationFactor());
        streamsConfig.put(BoundedRocksDb.MEMORY_BYTES_CONFIG, config.sagaRocksDbMemoryMb() * 1024 * 1024);
        runtime.metrics().gauge("orderflow.saga.rocksdb.bytes", "Off-heap bytes the saga's RocksDB stores hold in "
                + "their shared budget (SAGA_ROCKSDB_MEMORY_MB)", BoundedRocksDb.class, c -> BoundedRocksDb.usedBytes());
        saga = new StreamsApp(builder.build(), streamsConfig, config.sagaRebalanceGrace());
        saga.bindMetrics(runtime.metrics().registry());
        runtime.metrics().watchGroup(SAGA_APPLICATION_ID);
        runtime.closeOnStop(saga).closeOnStop(catalog);
        runtime.readinessCheck("saga", saga::isHealthy).readinessCheck("couponView", catalog::loaded);
    }

    /** The runtime has created the topics the saga and the catalog read; the saga's own DLT is created here. */
    @Override
    protected void afterStart() throws Exception {
        TopicAdmin.ensureTopics(config.common().kafkaBootstrapServers(), config.common().topicPartitions(),
                config.common().topicReplicationFactor(), List.of(SAGA_APPLICATION_ID));
        catalog.start(Duration.ofSeconds(30));
        saga.start(Duration.ofSeconds(60));
    }

    public CouponView couponView() {
        return catalog;
    }

    public static void main(String[] args) throws Exception {
        ServiceRunner.startAndRun(create(OrderServiceConfig.fromEnv(Env.system())));
    }
}
