package io.orderflow.notification;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.lifecycle.ServiceRunner;
import io.orderflow.platform.runtime.RuntimeService;
import io.orderflow.platform.runtime.ServiceRuntime;
import io.orderflow.schemas.Topics;
import java.util.List;

/**
 * notification-service: tells customers about their payment and their order's outcome, once.
 * Consumer group {@code notification-service} on payments.events and orders.status;
 * {@code GET /notifications?orderId=}.
 */
public final class NotificationService extends RuntimeService {

    private NotificationService(ServiceRuntime runtime) {
        super(runtime);
    }

    /** With the default sender: the log. */
    public static NotificationService create(NotificationServiceConfig config) {
        return create(config, new LoggingSender());
    }

    public static NotificationService create(NotificationServiceConfig config, NotificationSender sender) {
        ServiceRuntime runtime = ServiceRuntime.create(config.common());
        NotificationLog notifications = new NotificationLog();
        NotificationSender paced = config.maxPerSecond() > 0 ? new RateLimitedSender(sender, config.maxPerSecond()) : sender;
        runtime.consume(List.of(Topics.PAYMENTS_EVENTS, Topics.ORDERS_STATUS), new NotificationHandler(notifications, paced));
        NotificationRoutes.register(runtime.http(), runtime.db(), notifications);
        return new NotificationService(runtime);
    }

    public static void main(String[] args) throws Exception {
        ServiceRunner.startAndRun(create(NotificationServiceConfig.fromEnv(Env.system())));
    }

}
