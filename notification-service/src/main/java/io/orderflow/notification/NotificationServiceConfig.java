package io.orderflow.notification;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.config.ServiceConfig;

/**
 * notification-service's settings: the common ones plus its own.
 *
 * @param common what every service reads (HTTP_PORT defaults to 8093)
 * @param maxPerSecond {@code NOTIFICATION_MAX_PER_SECOND} (default 0 = unlimited): paces the sender, as an
 *        SMS or e-mail provider would require; the consumer keeps going, the pending notifications wait
 *        in the table (see {@code GET /notifications/pending})
 * @param sendLog {@code NOTIFICATION_SEND_LOG} (default none): a file that gets one line per send, key and all
 *        ({@link SendLog}), written as the send happens, so a drill counts sends even when a crash made the
 *        database forget one
 */
public record NotificationServiceConfig(ServiceConfig common, int maxPerSecond, String sendLog) {

    public static final String SERVICE_NAME = "notification-service";
    /** Its own database (and role) on a shared PostgreSQL server. */
    public static final String DATABASE = "notifications";
    public static final int DEFAULT_HTTP_PORT = 8093;

    public NotificationServiceConfig {
        if (maxPerSecond < 0) {
            throw new IllegalArgumentException("NOTIFICATION_MAX_PER_SECOND must be 0 (unlimited) or more, was " + maxPerSecond);
        }
    }

    public static NotificationServiceConfig fromEnv(Env env) {
        return new NotificationServiceConfig(
                ServiceConfig.fromEnv(env, SERVICE_NAME, DATABASE, DEFAULT_HTTP_PORT),
                env.integer("NOTIFICATION_MAX_PER_SECOND", 0),
                env.string("NOTIFICATION_SEND_LOG", null));
    }
}
