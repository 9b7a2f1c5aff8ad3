package io.orderflow.order;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Wakes the long-polling {@code GET /orders/{id}?waitSeconds=} callers of an order when its status
 * changes in this instance (after the commit that changed it). A caller re-reads the database after
 * every wake-up and at least every {@link #RECHECK}, so a change applied by another instance, or
 * one that committed between the caller's read and its wait, is seen too.
 */
public final class OrderWaiters {

    static final Duration RECHECK = Duration.ofMillis(250);

    private final Map<String, Object> monitors = new ConcurrentHashMap<>();
    private final long recheckMillis;

    public OrderWaiters() {
        this(RECHECK);
    }

    /** @param recheck the longest a waiter sleeps without a wake-up before it reads the order again */
    OrderWaiters(Duration recheck) {
        this.recheckMillis = recheck.toMillis();
    }

    /** Wakes the waiters of the order: call it once the change is committed, so they read the new status. */
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
            monitor.wait(Math.min(remainingMillis, recheckMillis));
        }
    }

    /** Forgets the monitor of an order nobody waits for any more. */
    public void done(String orderId) {
        monitors.remove(orderId);
    }
}
