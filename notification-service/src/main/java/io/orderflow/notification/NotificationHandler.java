package io.orderflow.notification;

import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.consumer.EventHandler;
import io.orderflow.platform.consumer.PoisonEventException;
import java.sql.Connection;
import java.time.Instant;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the customer about payments and final order statuses. The notification row is inserted in
 * the consumer's transaction first and the sender is called only when the insert took: never twice
 * for one event (inbox + UNIQUE(source_event_id)), nor twice of one kind for one order.
 */
final class NotificationHandler implements EventHandler {

    private static final Logger log = LoggerFactory.getLogger(NotificationHandler.class);

    private final NotificationLog notifications;
    private final NotificationSender sender;

    NotificationHandler(NotificationLog notifications, NotificationSender sender) {
        this.notifications = notifications;
        this.sender = sender;
    }

    @Override
    public void handle(ConsumedEvent event, Connection tx) throws Exception {
        SpecificRecord value = event.value();
        if (!(value instanceof PaymentCompleted || value instanceof OrderStatusChanged || value instanceof PaymentRefunded)) {
            throw new PoisonEventException("notification-service cannot handle " + value.getSchema().getFullName()
                    + " from " + event.topic());
        }
        Optional<Notification> notification = NotificationComposer.compose(event.eventId(), value, Instant.now());
        if (notification.isEmpty()) {
            return;
        }
        Notification n = notification.get();
        if (notifications.record(tx, n)) {
            sender.send(n);
        } else {
            log.info("Order {}: {} notification sent before; not sending again", n.orderId(), n.kind());
        }
    }
}
