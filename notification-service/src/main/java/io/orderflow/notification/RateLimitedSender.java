package io.orderflow.notification;

import java.util.concurrent.TimeUnit;

/**
 * Paces another sender to at most {@code perSecond} sends per second by waiting before a send that
 * comes too early. The consumer thread waits with it: back-pressure, not loss.
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
    public void send(Notification notification) throws Exception {
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
        delegate.send(notification);
    }
}
