package io.orderflow.order;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Wakes the long-polling {@code GET /orders/{id}?waitSeconds=} callers of an order when its status
 * changes in this instance. A caller re-reads the database after every wake-up and at least every
 * {@link #RECHECK_MILLIS}, so a change applied by another instance is seen too.
 */
public final class OrderWaiters {

    static final long RECHECK_MILLIS = 250;

    private final Map<String, Object> monitors = new ConcurrentHashMap<>();

    public void changed(String orderId) {
        Object monitor = monitors.get(orderId);
        if (monitor != null) {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        }
    }

    /** Waits until {@link #changed} for this order, the recheck interval, or the deadline, whichever is first. */
    public void awaitChange(String orderId, long deadlineNanos) throws InterruptedException {
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (remainingMillis <= 0) {
            return;
        }
        Object monitor = monitors.computeIfAbsent(orderId, k -> new Object());
        synchronized (monitor) {
            monitor.wait(Math.min(remainingMillis, RECHECK_MILLIS));
        }
    }

    /** Forgets the monitor of an order nobody waits for any more. */
    public void done(String orderId) {
        monitors.remove(orderId);
    }
}
