package io.orderflow.notification;

/**
 * Delivers a notification (SMS, e-mail, push...). Called inside the consumer's transaction after the
 * notification row was inserted, and only when it was: a sender that throws rolls the row back and
 * the event is retried, so a sender should be idempotent by {@link Notification#sourceEventId()}.
 */
@FunctionalInterface
public interface NotificationSender {

    void send(Notification notification) throws Exception;
}
