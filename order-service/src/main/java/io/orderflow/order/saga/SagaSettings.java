package io.orderflow.order.saga;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the saga waits.
 *
 * @param stepDeadline a saga still PENDING this long after PaymentCompleted is compensated (reason TIMEOUT)
 * @param compensationDeadline a saga still COMPENSATING this long after compensation began ends FAILED
 * @param punctuateInterval how often the wall-clock punctuator looks for due deadlines
 */
public record SagaSettings(Duration stepDeadline, Duration compensationDeadline, Duration punctuateInterval) {

    public static final Duration DEFAULT_STEP_DEADLINE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_COMPENSATION_DEADLINE = Duration.ofSeconds(60);
    public static final Duration DEFAULT_PUNCTUATE_INTERVAL = Duration.ofSeconds(1);

    public SagaSettings {
        requirePositive(stepDeadline, "stepDeadline");
        requirePositive(compensationDeadline, "compensationDeadline");
        requirePositive(punctuateInterval, "punctuateInterval");
    }

    /** 30 s to PENDING, 60 s to COMPENSATING, deadlines checked every second. */
    public static SagaSettings defaults() {
        return new SagaSettings(DEFAULT_STEP_DEADLINE, DEFAULT_COMPENSATION_DEADLINE, DEFAULT_PUNCTUATE_INTERVAL);
    }

    /** The default punctuation interval with the given deadlines (as order-service reads them from its config). */
    public static SagaSettings withDeadlines(Duration stepDeadline, Duration compensationDeadline) {
        return new SagaSettings(stepDeadline, compensationDeadline, DEFAULT_PUNCTUATE_INTERVAL);
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
