package io.orderflow.points;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.lifecycle.ServiceRunner;
import io.orderflow.platform.runtime.RuntimeService;
import io.orderflow.platform.runtime.ServiceRuntime;
import io.orderflow.schemas.Topics;
import java.util.List;

/**
 * points-service: debits the points redeemed on a paid order and credits the points it earns, and
 * undoes both on the saga's command. Consumer group {@code points-service} on payments.events and
 * points.commands; writes points.events through the outbox; {@code GET /customers/{id}/points}.
 */
public final class PointsService extends RuntimeService {

    private PointsService(ServiceRuntime runtime) {
        super(runtime);
    }

    public static PointsService create(PointsServiceConfig config) {
        ServiceRuntime runtime = ServiceRuntime.create(config.common());
        PointsLedger ledger = new PointsLedger();
        runtime.consume(List.of(Topics.PAYMENTS_EVENTS, Topics.POINTS_COMMANDS),
                new PointsHandler(ledger, new ReversedOrders(), runtime.outbox(), config.centsPerPoint()));
        PointsRoutes.register(runtime.http(), runtime.db(), ledger, config.adminToken());
        return new PointsService(runtime);
    }

    public static void main(String[] args) throws Exception {
        ServiceRunner.startAndRun(create(PointsServiceConfig.fromEnv(Env.system())));
    }

}
