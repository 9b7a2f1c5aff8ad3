package io.orderflow.order.saga;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the saga waits, and how long it remembers.
 *
 * @param stepDeadline a saga still PENDING this long after PaymentCompleted is compensated (reason TIMEOUT),
 *        unless its missing steps are alive and behind (answered within this long, not yet past the order):
 *        then extended, up to {@code maxBacklogWait}; step results without PaymentCompleted are resolved this
 *        long after the first of them
 * @param compensationDeadline a saga still COMPENSATING this long after compensation began ends FAILED,
 *        unless the same holds for the acknowledgements it waits for
 * @param punctuateInterval how often the wall-clock punctuator looks for due deadlines
 * @param retention a finished saga is deleted this long after it finished; an input older than this
 *        (by its occurredAt) for an order without saga is ignored
 * @param maxBacklogWait the hard cap on a deadline extended while its step is alive and behind a backlog
 *        ({@link Saga#deadlineCheck}): a PENDING or COMPENSATING saga waits at most this long from when
 *        its wait began, whatever the step's progress (never less than the deadline itself)
 */
public record SagaSettings(Duration stepDeadline, Duration compensationDeadline, Duration punctuateInterval,
                           Duration retention, Duration maxBacklogWait) {

    public static final Duration DEFAULT_STEP_DEADLINE = Duration.ofSeconds(30);
    public static final Duration DEFAULT_COMPENSATION_DEADLINE = Duration.ofSeconds(60);
    public static final Duration DEFAULT_PUNCTUATE_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
    public static final Duration DEFAULT_MAX_BACKLOG_WAIT = Duration.ofMinutes(10);

    public SagaSettings {
        requirePositive(stepDeadline, "stepDeadline");
        requirePositive(compensationDeadline, "compensationDeadline");
        requirePositive(punctuateInterval, "punctuateInterval");
        requirePositive(retention, "retention");
        requirePositive(maxBacklogWait, "maxBacklogWait");
        if (retention.compareTo(stepDeadline.plus(compensationDeadline)) < 0) {
            // Shorter would forget sagas (and their applied eventIds) while their results may still come.
            throw new IllegalArgumentException("retention (" + retention + ") must be at least stepDeadline + "
                    + "compensationDeadline (" + stepDeadline.plus(compensationDeadline) + ")");
        }
    }

    /** Without a cap of its own: {@link #DEFAULT_MAX_BACKLOG_WAIT}. */
    public SagaSettings(Duration stepDeadline, Duration compensationDeadline, Duration punctuateInterval,
                        Duration retention) {
        this(stepDeadline, compensationDeadline, punctuateInterval, retention, DEFAULT_MAX_BACKLOG_WAIT);
    }

    /**
     * 30 s to PENDING, 60 s to COMPENSATING (each extended while the step works through a backlog, up to
     * 10 min), deadlines checked every second, finished sagas kept 7 days.
     */
    public static SagaSettings defaults() {
        return new SagaSettings(DEFAULT_STEP_DEADLINE, DEFAULT_COMPENSATION_DEADLINE, DEFAULT_PUNCTUATE_INTERVAL,
                DEFAULT_RETENTION);
    }

    /** The defaults with the given deadlines. */
    public static SagaSettings withDeadlines(Duration stepDeadline, Duration compensationDeadline) {
        return new SagaSettings(stepDeadline, compensationDeadline, DEFAULT_PUNCTUATE_INTERVAL, DEFAULT_RETENTION);
    }

    /** These settings with another cap on extended deadlines. */
    public SagaSettings withMaxBacklogWait(Duration cap) {
        return new SagaSettings(stepDeadline, compensationDeadline, punctuateInterval, retention, cap);
    }

    private static void requirePositive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
