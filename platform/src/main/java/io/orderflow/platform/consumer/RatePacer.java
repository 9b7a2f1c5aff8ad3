package io.orderflow.platform.consumer;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Caps how many records per second one consumer loop applies ({@code CONSUMER_MAX_RECORDS_PER_SECOND}):
 * a downstream step that can take only so much (the reference's flash sale: "consume at the rate the
 * servers can take"). The records wait in Kafka, not in memory: the loop polls, applies a batch, commits,
 * then waits until the batch's share of the budget has passed before it polls again. Lag grows while
 * more arrives than the cap, and drains at the cap's pace afterwards.
 */
final class RatePacer {

    static final RatePacer UNLIMITED = new RatePacer(0);

    private final long nanosPerRecord;
    private long nextFreeNanos;

    /** @param maxRecordsPerSecond 0 for no cap */
    RatePacer(int maxRecordsPerSecond) {
        if (maxRecordsPerSecond < 0) {
            throw new IllegalArgumentException("max records per second must be 0 (no cap) or more, was " + maxRecordsPerSecond);
        }
        this.nanosPerRecord = maxRecordsPerSecond == 0 ? 0 : TimeUnit.SECONDS.toNanos(1) / maxRecordsPerSecond;
    }

    boolean limited() {
        return nanosPerRecord > 0;
    }

    /**
     * Called after a batch of {@code records} that started at {@code batchStartNanos} was applied and committed:
     * waits until the cap allows the next batch, or until {@code running} turns false.
     */
    void pace(int records, long batchStartNanos, BooleanSupplier running) throws InterruptedException {
        if (nanosPerRecord == 0 || records == 0) {
            return;
        }
        nextFreeNanos = Math.max(nextFreeNanos, batchStartNanos) + records * nanosPerRecord;
        long wait;
        while ((wait = nextFreeNanos - System.nanoTime()) > 0 && running.getAsBoolean()) {
            // The pacing itself: a capped consumer has nothing to wait on but its budget. Short steps so close() is quick.
            TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(100)));
        }
    }
}
