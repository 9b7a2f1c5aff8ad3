package io.orderflow.platform.failure;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter: the wait after the n-th failure in a row is
 * {@code initial * 2^(n-1)}, at most {@code max}, then drawn at random from its upper half, so that
 * instances that failed together (a broker or database outage) do not all retry at the same instant.
 */
public final class Backoff {

    private Backoff() {
    }

    /** The wait after failure number {@code failures} (1-based) in a row. */
    public static Duration after(int failures, Duration initial, Duration max) {
        long capped = Math.min(initial.toMillis() << Math.min(20, Math.max(0, failures - 1)), max.toMillis());
        long half = capped / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(capped - half + 1));
    }
}
