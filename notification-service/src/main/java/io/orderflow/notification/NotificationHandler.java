package io.orderflow.notification;

import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.consumer.EventHandler;
import io.orderflow.platform.consumer.PoisonEventException;
import io.orderflow.platform.db.Database;
import java.sql.Connection;
import java.time.Instant;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which payments and final order statuses the customer hears about, and records each such
 * notification (PENDING) in the consumer's transaction: once per event (inbox + UNIQUE(source_event_id))
 * and once per kind and order. Nothing is sent here: the {@link NotificationDispatcher}, woken once the
 * transaction committed, sends it. So a batch that rolls back and is replayed sends nothing twice, and
 * a slow or rate-limited sender never holds the consumer's transaction.
 */
final class NotificationHandler implements EventHandler {

    private static final Logger log = LoggerFactory.getLogger(NotificationHandler.class);

    private final NotificationLog notifications;
    private final Runnable recorded;

    /** @param recorded run after the commit of a transaction that recorded a notification (wakes the dispatcher) */
    NotificationHandler(NotificationLog notifications, Runnable recorded) {
        this.notifications = notifications;
        this.recorded = recorded;
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
            Database.afterCommit(recorded);
        } else {
            log.info("Order {}: {} notification recorded before; not sending again", n.orderId(), n.kind());
        }
    }
}
