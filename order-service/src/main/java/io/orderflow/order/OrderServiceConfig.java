package io.orderflow.order;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.config.ServiceConfig;
import java.time.Duration;

/**
 * order-service settings.
 *
 * @param sagaStepDeadline {@code SAGA_STEP_DEADLINE}: a saga still PENDING after it is compensated (TIMEOUT)
 * @param sagaCompensationDeadline {@code SAGA_COMPENSATION_DEADLINE}: COMPENSATING longer than it → FAILED
 * @param paymentLimitCents {@code PAYMENT_LIMIT_CENTS}: the simulated gateway declines larger charges (402)
 */
public record OrderServiceConfig(ServiceConfig common, Duration sagaStepDeadline, Duration sagaCompensationDeadline,
                                 long paymentLimitCents) {

    public static final String SERVICE_NAME = "order-service";
    /** Its own database (and role) on a shared PostgreSQL server. */
    public static final String DATABASE = "orders";
    public static final int DEFAULT_PORT = 8080;

    public static OrderServiceConfig fromEnv(Env env) {
        return new OrderServiceConfig(
                ServiceConfig.fromEnv(env, SERVICE_NAME, DATABASE, DEFAULT_PORT),
                env.duration("SAGA_STEP_DEADLINE", Duration.ofSeconds(30)),
                env.duration("SAGA_COMPENSATION_DEADLINE", Duration.ofSeconds(60)),
                env.longValue("PAYMENT_LIMIT_CENTS", 10_000_000L));
    }

    /** Where Kafka Streams keeps the saga's state store (RocksDB), under DATA_DIR. */
    public String streamsStateDir() {
        return common.dataDir() + "/streams/" + SERVICE_NAME;
    }
}
