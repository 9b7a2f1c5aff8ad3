package io.orderflow.platform.consumer;

import io.orderflow.platform.failure.Backoff;
import io.orderflow.platform.failure.FailureKind;
import java.time.Duration;

/**
 * What the consumer loop does with a record that failed, by {@link FailureKind}: POISON goes to the DLT
 * at once; TRANSIENT is retried without limit; UNKNOWN (most likely a bug) is tried {@code maxAttempts}
 * times, then dead-lettered. Between tries the record's partition is paused while the loop keeps polling
 * (so the member stays in its group however long an outage lasts), for {@code initialBackoff} doubling up
 * to {@code maxBackoff}, with jitter. The same backoff spaces the restarts of a failed loop.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    public static final RetryPolicy DEFAULT = new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(10));

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("Need 0 <= initialBackoff <= maxBackoff");
        }
    }

    /** Whether a record that failed this way, its {@code unknownFailures}-th failure of unknown kind, goes to the DLT now. */
    public boolean deadLetter(FailureKind kind, int unknownFailures) {
        return switch (kind) {
            case POISON -> true;
            case TRANSIENT -> false;
            case UNKNOWN -> unknownFailures >= maxAttempts;
        };
    }

    /** The wait after failure number {@code failures} (1-based) in a row, jittered. */
    public Duration backoffAfter(int failures) {
        return Backoff.after(failures, initialBackoff, maxBackoff);
    }
}
