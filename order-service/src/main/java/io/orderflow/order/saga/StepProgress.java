package io.orderflow.order.saga;

import io.orderflow.events.SagaStep;
import java.time.Instant;

/**
 * How far one participant has got, as one saga task (one partition) sees it: when it last answered in
 * this task, and the position of the latest order it answered for. This is what tells "slow" from
 * "dead": the saga's inputs are co-partitioned by orderId and each participant works through its
 * partition in offset order, so a participant that keeps answering, and has not yet answered an order
 * later than this one, is behind a backlog, not gone ({@link Saga#deadlineCheck}).
 *
 * @param lastAt the wall-clock time this task last saw a {@link Kind} of the step
 * @param position the furthest position it answered for, {@link #UNKNOWN} when none was known: for a
 *        {@link Kind#RESULT} the PaymentCompleted offset of the order ({@code SagaState.paymentOffset}),
 *        for an {@link Kind#ACKNOWLEDGEMENT} when that order's compensation began ({@code SagaState.waitingSince}
 *        in epoch millis)
 */
public record StepProgress(Instant lastAt, long position) {

    /** No position known: every order with a position is still ahead. */
    public static final long UNKNOWN = -1;

    /** What the participant answered: a step's result, or the acknowledgement of its compensation. */
    public enum Kind { RESULT, ACKNOWLEDGEMENT }

    /** Looks up a participant's progress in the saga's task; null when it has not answered there yet. */
    @FunctionalInterface
    public interface Lookup {
        /** For sagas checked without any progress: every deadline applies as it is. */
        Lookup NONE = (step, kind) -> null;

        StepProgress of(SagaStep step, Kind kind);
    }

    /**
     * What one input says about its participant.
     *
     * @param position the answered order's position, or {@link #UNKNOWN}
     */
    public record Signal(SagaStep step, Kind kind, long position) {
    }

    /** This progress after another answer at {@code at} for {@code position}: neither goes back. */
    public StepProgress advance(Instant at, long answered) {
        return new StepProgress(at.isAfter(lastAt) ? at : lastAt, Math.max(position, answered));
    }
}
