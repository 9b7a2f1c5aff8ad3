package io.orderflow.order;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Wakes the long-polling {@code GET /orders/{id}?waitSeconds=} and SSE callers of an order when its
 * status changes in this instance (after the commit that changed it). A caller re-reads the database
 * after every wake-up and at least every {@link #RECHECK}, so a change applied by another instance,
 * or one that committed between the caller's read and its wait, is seen too. An order's monitor lives
 * while someone waits on it.
 */
public final class OrderWaiters {

    static final Duration RECHECK = Duration.ofMillis(250);

    /** The monitor of one order and how many callers are waiting on it (changed only inside the map's compute). */
    private static final class Monitor {
        private int waiting;
    }

    private final Map<String, Monitor> monitors = new ConcurrentHashMap<>();
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
        Monitor monitor = monitors.get(orderId);
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
        Monitor monitor = monitors.compute(orderId, (id, m) -> {
            Monitor joined = m == null ? new Monitor() : m;
            joined.waiting++;
            return joined;
        });
        try {
            synchronized (monitor) {
                monitor.wait(Math.min(remainingMillis, recheckMillis));
            }
        } finally {
            monitors.computeIfPresent(orderId, (id, m) -> --m.waiting == 0 ? null : m);
        }
    }

    /**
     * A caller stopped waiting for the order. Nothing to do: the monitor goes when its last waiter
     * leaves {@link #awaitChange}, so one caller finishing never strands another one still waiting.
     */
    public void done(String orderId) {
        // see the Javadoc
    }

    /** How many orders have a caller waiting right now. */
    int watchedOrders() {
        return monitors.size();
    }
}
