package io.orderflow.order.saga;

import static io.orderflow.order.saga.Events.COUPON;
import static io.orderflow.order.saga.Events.couponRejected;
import static io.orderflow.order.saga.Events.paymentCompleted;
import static io.orderflow.order.saga.Events.paymentRefunded;
import static io.orderflow.order.saga.Events.pointsApplied;
import static io.orderflow.order.saga.Events.pointsReversed;
import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.SagaStep;
import io.orderflow.saga.SagaState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * {@link Saga#deadlineCheck(SagaState, Instant, SagaSettings, StepProgress.Lookup)}: a deadline that
 * passes while its step is alive and behind a backlog is extended; a silent step, one that answered a
 * later order, or a wait that reached {@link SagaSettings#maxBacklogWait()} gets the deadline as before.
 */
class SagaBacklogDeadlineTest {

    private static final String ORDER = "order-1";
    private static final long OFFSET = 100;
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final SagaSettings SETTINGS = SagaSettings.defaults();
    private static final Duration STEP = SETTINGS.stepDeadline();
    private static final Duration COMPENSATION = SETTINGS.compensationDeadline();

    private final Map<String, StepProgress> progress = new HashMap<>();
    private final StepProgress.Lookup lookup = (step, kind) -> progress.get(ProgressStore.key(step, kind));
    private SagaState state;

    private void apply(SpecificRecord event, Instant at) {
        state = Saga.apply(state, ORDER, event, at, SETTINGS, OFFSET).state();
    }

    private Saga.Transition check(Instant at, SagaSettings settings) {
        Saga.Transition t = Saga.deadlineCheck(state, at, settings, lookup);
        state = t.state();
        return t;
    }

    private Saga.Transition check(Instant at) {
        return check(at, SETTINGS);
    }

    private void answered(SagaStep step, StepProgress.Kind kind, Instant at, long position) {
        progress.put(ProgressStore.key(step, kind), new StepProgress(at, position));
    }

    @Test
    void aStepAliveAndBehindThisOrderGetsTheDeadlineExtendedUntilItWouldCountAsSilent() {
        apply(paymentCompleted(ORDER, null), T0);
        assertThat(state.getPaymentOffset()).isEqualTo(OFFSET);
        answered(SagaStep.POINTS, StepProgress.Kind.RESULT, T0.plusSeconds(25), 60);

        Saga.Transition t = check(T0.plus(STEP));

        assertThat(t.changed()).isTrue();
        assertThat(t.emitted()).isEmpty();
        assertThat(state.getStatus()).isEqualTo(OrderStatus.PENDING);
        assertThat(state.getDeadline()).isEqualTo(T0.plusSeconds(25).plus(STEP));
        assertThat(state.getDeadlineExtensions()).isEqualTo(1);

        // Still answering (order 99 now), still behind: extended again.
        answered(SagaStep.POINTS, StepProgress.Kind.RESULT, T0.plusSeconds(50), 99);
        assertThat(check(T0.plusSeconds(55)).emitted()).isEmpty();
        assertThat(state.getDeadline()).isEqualTo(T0.plusSeconds(50).plus(STEP));
        assertThat(state.getDeadlineExtensions()).isEqualTo(2);

        apply(pointsApplied(ORDER), T0.plusSeconds(60));
        assertThat(state.getStatus()).isEqualTo(OrderStatus.COMPLETED);
        assertThat(state.getReason()).isNull();
        assertThat(state.getDeadline()).isNull();
    }

    @Test
    void withoutAnyResultTheDeadlineTimesOutAsBefore() {
        apply(paymentCompleted(ORDER, null), T0);

        Saga.Transition t = check(T0.plus(STEP));

        assertThat(t.emitted()).last().isInstanceOfSatisfying(OrderStatusChanged.class, s -> {
            assertThat(s.getStatus()).isEqualTo(OrderStatus.COMPENSATING);
            assertThat(s.getReason()).isEqualTo("TIMEOUT: no answer from POINTS");
        });
        assertThat(state.getDeadlineExtensions()).isZero();
    }

    @Test
    void aStepSilentForAStepDeadlineTimesOut() {
        apply(paymentCompleted(ORDER, null), T0);
        answered(SagaStep.POINTS, StepProgress.Kind.RESULT, T0.minusMillis(1), 60);

        check(T0.plus(STEP));

        assertThat(state.getStatus()).isEqualTo(OrderStatus.COMPENSATING);
        assertThat(state.getReason()).isEqualTo("TIMEOUT: no answer from POINTS");
    }

    @Test
    void aStepThatAnsweredALaterOrderSkippedThisOneAndTimesOut() {
        apply(paymentCompleted(ORDER, null), T0);
        answered(SagaStep.POINTS, StepProgress.Kind.RESULT, T0.plusSeconds(29), OFFSET + 1);

        check(T0.plus(STEP));

        assertThat(state.getStatus()).isEqualTo(OrderStatus.COMPENSATING);
        assertThat(state.getReason()).isEqualTo("TIMEOUT: no answer from POINTS");
    }

    @Test
    void everyMissingStepMustBeBehindNotJustOne() {
        apply(paymentCompleted(ORDER, COUPON), T0);
        answered(SagaStep.POINTS, StepProgress.Kind.RESULT, T0.plusSeconds(29), 60);

        check(T0.plus(STEP));

        assertThat(state.getStatus()).isEqualTo(OrderStatus.COMPENSATING);
        assertThat(state.getReason()).isEqualTo("TIMEOUT: no answer from COUPON, POINTS");
    }

    @Test
    void aSagaStartedWithoutItsOffsetGetsNoExtension() {
        state = Saga.apply(null, ORDER, paymentCompleted(ORDER, null), T0, SETTINGS).state();
        assertThat(state.getPaymentOffset()).isNull();
        answered(SagaStep.POINTS, StepProgress.Kind.RESULT, T0.plusSeconds(29), 60);

        check(T0.plus(STEP));

        assertThat(state.getStatus()).isEqualTo(OrderStatus.COMPENSATING);
    }

    @Test
    void theCapAppliesTheDeadlineWhateverTheProgress() {
        SagaSettings settings = SETTINGS.withMaxBacklogWait(Duration.ofMinutes(2));
        apply(paymentCompleted(ORDER, null), T0);
        Instant cap = T0.plus(settings.maxBacklogWait());
        Instant at = state.getDeadline();
        int checks = 0;
        while (state.getStatus() == OrderStatus.PENDING && checks++ < 100) {
            answered(SagaStep.POINTS, StepProgress.Kind.RESULT, at, 50 + checks); // always alive, always behind
            check(at, settings);
            assertThat(state.getDeadline()).isBeforeOrEqualTo(at.isBefore(cap) ? cap : at.plus(COMPENSATION));
            at = state.getDeadline();
        }

        assertThat(state.getStatus()).isEqualTo(OrderStatus.COMPENSATING);
        assertThat(state.getWaitingSince()).isEqualTo(cap);
        assertThat(state.getReason()).startsWith("TIMEOUT: no answer from POINTS (deadline extended ")
                .contains("waited the longest allowed, PT2M");
        assertThat(state.getDeadlineExtensions()).isZero(); // the compensation's own count starts afresh
    }

    @Test
    void compensationsAcknowledgedInOrderExtendTheCompensationDeadlineInsteadOfFailed() {
        apply(paymentCompleted(ORDER, COUPON), T0);
        apply(couponRejected(ORDER), T0.plusSeconds(1)); // compensating since T0+1: refund and ReversePoints
        Instant began = T0.plusSeconds(1);
        assertThat(state.getWaitingSince()).isEqualTo(began);
        Instant deadline = began.plus(COMPENSATION);
        answered(SagaStep.PAYMENT, StepProgress.Kind.ACKNOWLEDGEMENT, deadline.minusSeconds(5), began.toEpochMilli());
        answered(SagaStep.POINTS, StepProgress.Kind.ACKNOWLEDGEMENT, deadline.minusSeconds(10),
                began.minusSeconds(20).toEpochMilli());

        Saga.Transition t = check(deadline);

        assertThat(t.emitted()).isEmpty();
        assertThat(state.getStatus()).isEqualTo(OrderStatus.COMPENSATING);
        assertThat(state.getDeadline()).isEqualTo(deadline.minusSeconds(10).plus(COMPENSATION));
        assertThat(state.getDeadlineExtensions()).isEqualTo(1);

        apply(paymentRefunded(ORDER), deadline.plusSeconds(5));
        apply(pointsReversed(ORDER, 0), deadline.plusSeconds(20));
        assertThat(state.getStatus()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(state.getReason()).startsWith("COUPON_REJECTED");
    }

    @Test
    void aCompensationNotAcknowledgedWhileLaterOnesAreFails() {
        apply(paymentCompleted(ORDER, null), T0);
        check(T0.plus(STEP)); // no results: TIMEOUT, compensating since T0+30
        Instant began = T0.plus(STEP);
        Instant deadline = began.plus(COMPENSATION);
        answered(SagaStep.PAYMENT, StepProgress.Kind.ACKNOWLEDGEMENT, deadline.minusSeconds(1), began.toEpochMilli());
        answered(SagaStep.POINTS, StepProgress.Kind.ACKNOWLEDGEMENT, deadline.minusSeconds(1),
                began.plusMillis(1).toEpochMilli());

        check(deadline);

        assertThat(state.getStatus()).isEqualTo(OrderStatus.FAILED);
        assertThat(state.getReason())
                .isEqualTo("TIMEOUT: no answer from POINTS; compensation not acknowledged: PAYMENT, POINTS");
    }

    @Test
    void aCompensationWhoseParticipantWentSilentFailsAfterItsExtension() {
        apply(paymentCompleted(ORDER, null), T0);
        check(T0.plus(STEP));
        Instant deadline = T0.plus(STEP).plus(COMPENSATION);
        Instant lastAck = deadline.minusSeconds(1);
        answered(SagaStep.PAYMENT, StepProgress.Kind.ACKNOWLEDGEMENT, lastAck, 0);
        answered(SagaStep.POINTS, StepProgress.Kind.ACKNOWLEDGEMENT, lastAck, 0);
        check(deadline);
        assertThat(state.getDeadline()).isEqualTo(lastAck.plus(COMPENSATION));

        check(state.getDeadline());

        assertThat(state.getStatus()).isEqualTo(OrderStatus.FAILED);
        assertThat(state.getReason()).startsWith(
                "TIMEOUT: no answer from POINTS; compensation not acknowledged: PAYMENT, POINTS (deadline extended 1x")
                .contains("silent since " + lastAck);
    }

    @Test
    void aResultSignalsItsStepWithTheOrdersPaymentOffsetAndAnAcknowledgementWithWhenCompensationBegan() {
        assertThat(Saga.signal(null, pointsApplied(ORDER)))
                .contains(new StepProgress.Signal(SagaStep.POINTS, StepProgress.Kind.RESULT, StepProgress.UNKNOWN));
        assertThat(Saga.signal(null, paymentCompleted(ORDER, null))).isEmpty();

        apply(paymentCompleted(ORDER, COUPON), T0);
        assertThat(Saga.signal(state, pointsApplied(ORDER)))
                .contains(new StepProgress.Signal(SagaStep.POINTS, StepProgress.Kind.RESULT, OFFSET));
        assertThat(Saga.signal(state, couponRejected(ORDER)))
                .contains(new StepProgress.Signal(SagaStep.COUPON, StepProgress.Kind.RESULT, OFFSET));

        apply(couponRejected(ORDER), T0.plusSeconds(3));
        assertThat(Saga.signal(state, pointsReversed(ORDER, 0))).contains(new StepProgress.Signal(SagaStep.POINTS,
                StepProgress.Kind.ACKNOWLEDGEMENT, T0.plusSeconds(3).toEpochMilli()));
        assertThat(Saga.signal(state, paymentRefunded(ORDER))).contains(new StepProgress.Signal(SagaStep.PAYMENT,
                StepProgress.Kind.ACKNOWLEDGEMENT, T0.plusSeconds(3).toEpochMilli()));
    }
}
