package io.orderflow.notification;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.lifecycle.Service;
import io.orderflow.platform.lifecycle.ServiceRunner;
import io.orderflow.platform.runtime.ServiceRuntime;
import io.orderflow.schemas.Topics;
import java.util.List;

/**
 * notification-service: tells customers about their payment and their order's outcome, once.
 * Consumer group {@code notification-service} on payments.events and orders.status;
 * {@code GET /notifications?orderId=}.
 */
public final class NotificationService implements Service {

    private final NotificationServiceConfig config;
    private final ServiceRuntime runtime;

    private NotificationService(NotificationServiceConfig config, ServiceRuntime runtime) {
        this.config = config;
        this.runtime = runtime;
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
        return new NotificationService(config, runtime);
    }

    public static void main(String[] args) throws Exception {
        NotificationService service = create(NotificationServiceConfig.fromEnv(Env.system()));
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
