package io.orderflow.points;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.lifecycle.Service;
import io.orderflow.platform.lifecycle.ServiceRunner;
import io.orderflow.platform.runtime.ServiceRuntime;
import io.orderflow.schemas.Topics;
import java.util.List;

/**
 * points-service: debits the points redeemed on a paid order and credits the points it earns, and
 * undoes both on the saga's command. Consumer group {@code points-service} on payments.events and
 * points.commands; writes points.events through the outbox; {@code GET /customers/{id}/points}.
 */
public final class PointsService implements Service {

    private final PointsServiceConfig config;
    private final ServiceRuntime runtime;

    private PointsService(PointsServiceConfig config, ServiceRuntime runtime) {
        this.config = config;
        this.runtime = runtime;
    }

    public static PointsService create(PointsServiceConfig config) {
        ServiceRuntime runtime = ServiceRuntime.create(config.common());
        PointsLedger ledger = new PointsLedger();
        runtime.consume(List.of(Topics.PAYMENTS_EVENTS, Topics.POINTS_COMMANDS),
                new PointsHandler(ledger, new ReversedOrders(), runtime.outbox(), config.centsPerPoint()));
        PointsRoutes.register(runtime.http(), runtime.db(), ledger);
        return new PointsService(config, runtime);
    }

    public static void main(String[] args) throws Exception {
        PointsService service = create(PointsServiceConfig.fromEnv(Env.system()));
        service.start();
        ServiceRunner.runUntilShutdown(List.of(service));
    }

    @Override
    public String name() {
        return config.common().serviceName();
    }

    @Override
    public void start() throws Exception {
        try {
            runtime.start();
        } catch (Exception e) {
            runtime.close();
            throw e;
        }
    }

    public ServiceRuntime runtime() {
        return runtime;
    }

    /** The bound HTTP port (HTTP_PORT=0 picks a free one). */
    public int httpPort() {
        return runtime.http().port();
    }

    @Override
    public void close() {
        runtime.close();
    }
}
