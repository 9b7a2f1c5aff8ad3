package io.orderflow.platform.consumer;

import java.time.Duration;

/**
 * How often a failing record is tried before it goes to the DLT, and how long to wait between
 * tries (doubling from {@code initialBackoff}, capped at {@code maxBackoff}). Keep the total well
 * below max.poll.interval.ms: the partition waits meanwhile, to keep the order of its records.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    /** The wait after failed attempt number {@code attempt} (1-based). */
    public Duration backoffAfter(int attempt) {
        long millis = initialBackoff.toMillis() << Math.min(20, attempt - 1);
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }
}
