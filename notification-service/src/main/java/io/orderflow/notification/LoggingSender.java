package io.orderflow.notification;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The default sender: writes the notification to the log (logger {@code io.orderflow.notification.LoggingSender}). */
public final class LoggingSender implements NotificationSender {

    private static final Logger log = LoggerFactory.getLogger(LoggingSender.class);

    @Override
    public void send(String idempotencyKey, Notification n) {
        log.info("Order {}: to customer {} [{}] ({}): {}", n.orderId(), n.customerId(), n.kind(), idempotencyKey,
                n.message());
    }
}
