package io.orderflow.notification;

import java.util.concurrent.TimeUnit;

/**
 * Paces another sender to at most {@code perSecond} sends per second by waiting before a send that
 * comes too early. Only the {@link NotificationDispatcher} calls it, between its transactions, so
 * the wait holds no database transaction and never slows the consumer: the pending rows wait in the
 * table instead.
 */
public final class RateLimitedSender implements NotificationSender {

    private final NotificationSender delegate;
    private final long intervalNanos;
    private long nextSlot = System.nanoTime();

    public RateLimitedSender(NotificationSender delegate, int perSecond) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("perSecond must be at least 1");
        }
        this.delegate = delegate;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
    }

    @Override
    public void send(String idempotencyKey, Notification notification) throws Exception {
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            long slot = Math.max(nextSlot, now);
            nextSlot = slot + intervalNanos;
            wait = slot - now;
        }
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        delegate.send(idempotencyKey, notification);
    }
}
