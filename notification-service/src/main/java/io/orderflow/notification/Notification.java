package io.orderflow.notification;

import java.time.Instant;

/** One message to a customer about one order, caused by one event. */
public record Notification(String orderId, String customerId, Kind kind, String message, String sourceEventId,
                           Instant createdAt) {

    public enum Kind { PAYMENT_RECEIVED, ORDER_CONFIRMED, ORDER_CANCELLED, ORDER_FAILED }

    /**
     * What a provider dedupes sends by: the id of the event that caused the notification (one
     * notification per event, unique in the table), stable across retries, restarts and instances,
     * and, unlike a row id, never reused after a database is restored or rebuilt.
     */
    public String idempotencyKey() {
        return "orderflow-notification-" + sourceEventId;
    }
}
