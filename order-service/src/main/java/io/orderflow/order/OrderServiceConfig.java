package io.orderflow.order;

import io.orderflow.order.saga.SagaSettings;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.config.ServiceConfig;
import io.orderflow.platform.streams.BoundedRocksDb;
import io.orderflow.platform.streams.StreamsApp;
import java.time.Duration;

/**
 * order-service settings.
 *
 * @param sagaStepDeadline {@code SAGA_STEP_DEADLINE}: a saga still PENDING after it is compensated (TIMEOUT)
 * @param sagaCompensationDeadline {@code SAGA_COMPENSATION_DEADLINE}: COMPENSATING longer than it → FAILED
 * @param paymentLimitCents {@code PAYMENT_LIMIT_CENTS}: the simulated gateway declines larger charges (402)
 * @param sagaRetention {@code SAGA_RETENTION} (default 7 days, {@code P7D}): a finished saga is deleted from the saga's
 *        store this long after it finished; a step result older than this for an order without saga is ignored
 * @param sagaRebalanceGrace {@code SAGA_REBALANCE_GRACE} (default 30 s): readiness is DOWN once the saga has
 *        not been RUNNING for longer than this
 * @param sagaMaxBacklogWait {@code SAGA_MAX_BACKLOG_WAIT} (default 10 min): the step and compensation deadlines
 *        are extended while their step is alive and behind a backlog, but never past this from when the wait began
 * @param sagaRocksDbMemoryMb {@code SAGA_ROCKSDB_MEMORY_MB} (default 64): off-heap memory for all the saga's RocksDB
 *        stores together (block cache and memtables, {@code BoundedRocksDb}); without a bound each store instance
 *        takes about 100 MB
 */
public record OrderServiceConfig(ServiceConfig common, Duration sagaStepDeadline, Duration sagaCompensationDeadline,
                                 long paymentLimitCents, Duration sagaRetention, Duration sagaRebalanceGrace,
                                 Duration sagaMaxBacklogWait, long sagaRocksDbMemoryMb) {

    public static final String SERVICE_NAME = "order-service";
    /** Its own database (and role) on a shared PostgreSQL server. */
    public static final String DATABASE = "orders";
    public static final int DEFAULT_PORT = 8080;

    public static OrderServiceConfig fromEnv(Env env) {
        return new OrderServiceConfig(
                ServiceConfig.fromEnv(env, SERVICE_NAME, DATABASE, DEFAULT_PORT),
                env.duration("SAGA_STEP_DEADLINE", Duration.ofSeconds(30)),
                env.duration("SAGA_COMPENSATION_DEADLINE", Duration.ofSeconds(60)),
                env.longValue("PAYMENT_LIMIT_CENTS", 10_000_000L),
                env.duration("SAGA_RETENTION", SagaSettings.DEFAULT_RETENTION),
                env.duration("SAGA_REBALANCE_GRACE", StreamsApp.DEFAULT_REBALANCE_GRACE),
                env.duration("SAGA_MAX_BACKLOG_WAIT", SagaSettings.DEFAULT_MAX_BACKLOG_WAIT),
                env.longValue("SAGA_ROCKSDB_MEMORY_MB", BoundedRocksDb.DEFAULT_MEMORY_BYTES / (1024 * 1024)));
    }

    /** Where Kafka Streams keeps the saga's state store (RocksDB), under DATA_DIR. */
    public String streamsStateDir() {
        return common.dataDir() + "/streams/" + SERVICE_NAME;
    }
}
