package io.orderflow.notification;

import java.time.Instant;

/** One message to a customer about one order, caused by one event. */
public record Notification(String orderId, String customerId, Kind kind, String message, String sourceEventId,
                           Instant createdAt) {

    public enum Kind { PAYMENT_RECEIVED, ORDER_CONFIRMED, ORDER_CANCELLED, ORDER_FAILED }
}
