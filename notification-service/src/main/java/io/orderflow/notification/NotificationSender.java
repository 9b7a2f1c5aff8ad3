package io.orderflow.notification;

/**
 * Delivers a notification (SMS, e-mail, push...). Called by the {@link NotificationDispatcher} once
 * the notification is committed, outside any database transaction, and at least once: a crash (or a
 * lost lease) between a send and its being marked SENT sends it again with the same
 * {@code idempotencyKey}, so a sender must pass the key on to a provider that drops repeats (most
 * SMS/e-mail APIs take one) or drop repeats itself. Throwing means "not sent": retried later.
 */
@FunctionalInterface
public interface NotificationSender {

    /** @param idempotencyKey the same for every attempt to send this notification ({@link Notification#idempotencyKey()}) */
    void send(String idempotencyKey, Notification notification) throws Exception;
}
