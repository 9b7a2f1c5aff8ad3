package io.orderflow.notification;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.lifecycle.ServiceRunner;
import io.orderflow.platform.runtime.RuntimeService;
import io.orderflow.platform.runtime.ServiceRuntime;
import io.orderflow.schemas.Topics;
import java.util.List;

/**
 * notification-service: tells customers about their payment and their order's outcome, once.
 * Consumer group {@code notification-service} on payments.events and orders.status records each
 * notification; a dispatcher sends it after the commit, paced by {@code NOTIFICATION_MAX_PER_SECOND}.
 * {@code GET /notifications?orderId=}, {@code GET /notifications/pending}.
 */
public final class NotificationService extends RuntimeService {

    private final NotificationDispatcher dispatcher;

    private NotificationService(ServiceRuntime runtime, NotificationDispatcher dispatcher) {
        super(runtime);
        this.dispatcher = dispatcher;
    }

    /** With the default sender: the log. */
    public static NotificationService create(NotificationServiceConfig config) {
        return create(config, new LoggingSender());
    }

    public static NotificationService create(NotificationServiceConfig config, NotificationSender sender) {
        ServiceRuntime runtime = ServiceRuntime.create(config.common());
        NotificationLog notifications = new NotificationLog();
        NotificationSender logged = config.sendLog() == null ? sender : new SendLog(sender, java.nio.file.Path.of(config.sendLog()));
        NotificationSender paced = config.maxPerSecond() > 0 ? new RateLimitedSender(logged, config.maxPerSecond()) : logged;
        NotificationDispatcher dispatcher = new NotificationDispatcher(config.common().serviceName(), runtime.db(),
                new PendingNotifications(), paced, NotificationDispatcher.Settings.forRate(config.maxPerSecond()));
        runtime.consume(List.of(Topics.PAYMENTS_EVENTS, Topics.ORDERS_STATUS),
                new NotificationHandler(notifications, dispatcher::wakeup));
        NotificationRoutes.register(runtime.http(), runtime.db(), notifications, dispatcher);
        runtime.closeOnStop(dispatcher);
        return new NotificationService(runtime, dispatcher);
    }

    /** Sends what is pending, including what an earlier run recorded but did not send. */
    @Override
    protected void afterStart() {
        dispatcher.start();
    }

    public static void main(String[] args) throws Exception {
        ServiceRunner.startAndRun(create(NotificationServiceConfig.fromEnv(Env.system())));
    }

}
