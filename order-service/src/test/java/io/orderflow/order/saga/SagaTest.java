package io.orderflow.order.saga;

import static io.orderflow.order.saga.Events.COUPON;
import static io.orderflow.order.saga.Events.couponRedeemed;
import static io.orderflow.order.saga.Events.couponRejected;
import static io.orderflow.order.saga.Events.couponReleased;
import static io.orderflow.order.saga.Events.paymentCompleted;
import static io.orderflow.order.saga.Events.paymentRefunded;
import static io.orderflow.order.saga.Events.pointsApplied;
import static io.orderflow.order.saga.Events.pointsRejected;
import static io.orderflow.order.saga.Events.pointsReversed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.RefundPayment;
import io.orderflow.events.ReleaseCoupon;
import io.orderflow.events.ReversePoints;
import io.orderflow.events.SagaStep;
import io.orderflow.events.StepState;
import io.orderflow.saga.SagaState;
import io.orderflow.saga.SagaStepState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The pure transitions of {@link Saga}, without Kafka. */
class SagaTest {

    private static final String ORDER = "order-1";
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final SagaSettings SETTINGS = SagaSettings.defaults();

    private SagaState state;
    private Instant now = T0;

    private Saga.Transition apply(SpecificRecord event) {
        Saga.Transition t = Saga.apply(state, ORDER, event, now, SETTINGS);
        state = t.state();
        return t;
    }

    private Saga.Transition at(Instant wallClock) {
        Saga.Transition t = Saga.deadlineCheck(state, wallClock, SETTINGS);
        state = t.state();
        return t;
    }

    private StepState stepState(SagaStep step) {
        return state.getSteps().stream().filter(s -> s.getStep() == step).findFirst().orElseThrow().getState();
    }

    @Test
    void paymentStartsAPendingSagaAndEmitsNothing() {
        Saga.Transition t = apply(paymentCompleted(ORDER, COUPON));

        assertThat(t.changed()).isTrue();
        assertThat(t.emitted()).isEmpty();
        assertThat(state.getStatus()).isEqualTo(OrderStatus.PENDING);
        assertThat(state.getDeadline()).isEqualTo(T0.plus(SETTINGS.stepDeadline()));
        assertThat(state.getCustomerId()).isEqualTo(Events.CUSTOMER);
        assertThat(state.getCouponCode()).isEqualTo(COUPON);
        assertThat(state.getAmountCents()).isEqualTo(8_500);
        assertThat(state.getSteps()).extracting(SagaStepState::getStep, SagaStepState::getState).containsExactly(
                org.assertj.core.groups.Tuple.tuple(SagaStep.PAYMENT, StepState.SUCCEEDED),
                org.assertj.core.groups.Tuple.tuple(SagaStep.COUPON, StepState.PENDING),
                org.assertj.core.groups.Tuple.tuple(SagaStep.POINTS, StepState.PENDING));
    }

    @Test
    void withoutCouponTheCouponStepIsNotRequired() {
        apply(paymentCompleted(ORDER, null));
        assertThat(stepState(SagaStep.COUPON)).isEqualTo(StepState.NOT_REQUIRED);

        Saga.Transition t = apply(couponRedeemed(ORDER));
        assertThat(t.changed()).isFalse();
        assertThat(t.emitted()).isEmpty();
    }

    @Test
    void allRequiredStepsSucceededCompletes() {
        apply(paymentCompleted(ORDER, COUPON));
        assertThat(apply(pointsApplied(ORDER)).emitted()).isEmpty();

        Saga.Transition t = apply(couponRedeemed(ORDER));

        assertThat(t.emitted()).singleElement().isInstanceOfSatisfying(OrderStatusChanged.class, s -> {
            assertThat(s.getStatus()).isEqualTo(OrderStatus.COMPLETED);
            assertThat(s.getSteps()).hasSize(3);
        });
        assertThat(state.getDeadline()).isNull();
    }

    @Test
    void aTransitionNeverMutatesTheStateItWasGiven() {
        apply(paymentCompleted(ORDER, COUPON));
        SagaState before = state;
        SagaState snapshot = SagaState.newBuilder(before).build();

        Saga.Transition t = Saga.apply(before, ORDER, couponRejected(ORDER), T0, SETTINGS);

        assertThat(before).isEqualTo(snapshot);
        assertThat(t.state()).isNotEqualTo(before);
    }

    @Test
    void aDuplicateEventIdChangesNothing() {
        SpecificRecord payment = paymentCompleted(ORDER, COUPON);
        apply(payment);
        SpecificRecord rejection = couponRejected(ORDER);
        apply(rejection);
        SagaState afterRejection = state;

        for (SpecificRecord again : List.of(payment, rejection)) {
            Saga.Transition t = apply(again);
            assertThat(t.changed()).isFalse();
            assertThat(t.emitted()).isEmpty();
            assertThat(t.state()).isSameAs(afterRejection);
        }
    }

    @Test
    void aRejectionCompensatesEverythingThatSucceededOrMayStillSucceed() {
        apply(paymentCompleted(ORDER, COUPON));
        apply(couponRedeemed(ORDER));

        Saga.Transition t = apply(pointsRejected(ORDER));

        assertThat(t.emitted()).hasSize(3);
        assertThat(t.emitted()).hasAtLeastOneElementOfType(ReleaseCoupon.class)
                .hasAtLeastOneElementOfType(RefundPayment.class)
                .noneMatch(ReversePoints.class::isInstance);
        assertThat(state.getStatus()).isEqualTo(OrderStatus.COMPENSATING);
        assertThat(state.getDeadline()).isEqualTo(T0.plus(SETTINGS.compensationDeadline()));
        assertThat(stepState(SagaStep.COUPON)).isEqualTo(StepState.COMPENSATING);
        assertThat(stepState(SagaStep.PAYMENT)).isEqualTo(StepState.COMPENSATING);
        assertThat(stepState(SagaStep.POINTS)).isEqualTo(StepState.REJECTED);
    }

    @Test
    void aRejectionAfterSuccessIsIgnored() {
        apply(paymentCompleted(ORDER, COUPON));
        apply(pointsApplied(ORDER));

        Saga.Transition t = apply(pointsRejected(ORDER));

        assertThat(t.changed()).isFalse();
        assertThat(state.getStatus()).isEqualTo(OrderStatus.PENDING);
    }

    @Test
    void anAcknowledgementNeverRequestedIsIgnored() {
        apply(paymentCompleted(ORDER, COUPON));

        assertThat(apply(couponReleased(ORDER, true)).changed()).isFalse();
        assertThat(apply(paymentRefunded(ORDER)).changed()).isFalse();
        assertThat(state.getStatus()).isEqualTo(OrderStatus.PENDING);
    }

    @Test
    void aSecondAcknowledgementOfTheSameCompensationChangesNothing() {
        apply(paymentCompleted(ORDER, null));
        apply(pointsRejected(ORDER));
        assertThat(apply(paymentRefunded(ORDER)).emitted()).singleElement()
                .isInstanceOfSatisfying(OrderStatusChanged.class,
                        s -> assertThat(s.getStatus()).isEqualTo(OrderStatus.CANCELLED));

        // order-service acknowledges a repeated RefundPayment with a new event.
        Saga.Transition t = apply(paymentRefunded(ORDER));

        assertThat(t.changed()).isFalse();
    }

    @Test
    void aRejectedStepWhoseUndoWasRequestedWaitsForTheAcknowledgementAndStaysRejected() {
        apply(paymentCompleted(ORDER, COUPON));
        apply(pointsRejected(ORDER)); // ReleaseCoupon requested while the coupon was PENDING
        apply(couponRejected(ORDER));
        assertThat(stepState(SagaStep.COUPON)).isEqualTo(StepState.REJECTED);
        assertThat(apply(paymentRefunded(ORDER)).emitted()).isEmpty();

        Saga.Transition t = apply(couponReleased(ORDER, false));

        assertThat(t.emitted()).singleElement().isInstanceOf(OrderStatusChanged.class);
        assertThat(state.getStatus()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(stepState(SagaStep.COUPON)).isEqualTo(StepState.REJECTED);
        assertThat(state.getReason()).startsWith(Saga.POINTS_REJECTED);
    }

    @Test
    void deadlinesFireAtTheirTimeOnly() {
        apply(paymentCompleted(ORDER, COUPON));
        Instant stepDeadline = T0.plus(SETTINGS.stepDeadline());

        assertThat(at(stepDeadline.minusMillis(1)).changed()).isFalse();
        Saga.Transition timeout = at(stepDeadline);
        assertThat(timeout.emitted()).hasSize(4);
        assertThat(state.getReason()).isEqualTo("TIMEOUT: no answer from COUPON, POINTS");
        assertThat(state.getDeadline()).isEqualTo(stepDeadline.plus(SETTINGS.compensationDeadline()));

        apply(couponReleased(ORDER, true));
        Saga.Transition failed = at(state.getDeadline().plus(Duration.ofSeconds(5)));

        assertThat(failed.emitted()).singleElement().isInstanceOfSatisfying(OrderStatusChanged.class, s -> {
            assertThat(s.getStatus()).isEqualTo(OrderStatus.FAILED);
            assertThat(s.getReason()).endsWith("compensation not acknowledged: PAYMENT, POINTS");
        });
        assertThat(state.getDeadline()).isNull();
        assertThat(stepState(SagaStep.COUPON)).isEqualTo(StepState.COMPENSATED);
        assertThat(stepState(SagaStep.POINTS)).isEqualTo(StepState.FAILED);
    }

    @Test
    void aSuccessAfterFailedIsCompensatedOnlyWhenItsUndoWasNeverRequested() {
        apply(paymentCompleted(ORDER, COUPON));
        apply(couponRejected(ORDER));
        at(T0.plus(SETTINGS.compensationDeadline()));
        assertThat(state.getStatus()).isEqualTo(OrderStatus.FAILED);

        // Points were PENDING at compensation time: ReversePoints is out already.
        assertThat(apply(pointsApplied(ORDER)).emitted()).isEmpty();
        // The coupon was rejected (no undo requested); a contradicting success is undone at once.
        Saga.Transition t = apply(couponRedeemed(ORDER));

        assertThat(t.emitted()).hasSize(2).hasAtLeastOneElementOfType(ReleaseCoupon.class)
                .filteredOn(OrderStatusChanged.class::isInstance).singleElement()
                .isInstanceOfSatisfying(OrderStatusChanged.class, update -> {
                    assertThat(update.getStatus()).isEqualTo(OrderStatus.FAILED);
                    assertThat(update.getPreviousStatus()).isEqualTo(OrderStatus.FAILED);
                });
        assertThat(state.getStatus()).isEqualTo(OrderStatus.FAILED);
    }

    @Test
    void emittedEventIdsDependOnlyOnTheOrderAndTheTransition() {
        Saga.Transition first = Saga.apply(Saga.apply(null, ORDER, paymentCompleted(ORDER, null), T0, SETTINGS).state(),
                ORDER, pointsRejected(ORDER), T0, SETTINGS);
        Saga.Transition second = Saga.apply(Saga.apply(null, ORDER, paymentCompleted(ORDER, null), T0, SETTINGS).state(),
                ORDER, pointsRejected(ORDER), T0.plusSeconds(3), SETTINGS);

        assertThat(first.emitted()).extracting(r -> r.get(0))
                .containsExactlyElementsOf(second.emitted().stream().map(r -> r.get(0)).toList());
    }

    @Test
    void aSecondPaymentIsIgnored() {
        apply(paymentCompleted(ORDER, COUPON));
        assertThat(apply(paymentCompleted(ORDER, null)).changed()).isFalse();
        assertThat(state.getCouponCode()).isEqualTo(COUPON);
    }

    @Test
    void earlyResultsWaitForThePayment() {
        assertThat(apply(pointsApplied(ORDER)).emitted()).isEmpty();
        assertThat(state.getStatus()).isNull();
        assertThat(state.getDeadline()).as("from the first result").isEqualTo(T0.plus(SETTINGS.stepDeadline()));
        assertThat(state.getCustomerId()).as("kept to undo the result without payment").isEqualTo(Events.CUSTOMER);
        assertThat(apply(pointsReversed(ORDER, 0)).changed()).isFalse();

        Saga.Transition t = apply(paymentCompleted(ORDER, null));

        assertThat(t.emitted()).singleElement().isInstanceOfSatisfying(OrderStatusChanged.class,
                s -> assertThat(s.getStatus()).isEqualTo(OrderStatus.COMPLETED));
    }

    @Test
    void anEventOfAnotherOrderIsRefused() {
        assertThatThrownBy(() -> Saga.apply(null, "order-2", pointsApplied(ORDER), T0, SETTINGS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(ORDER).hasMessageContaining("order-2");
    }

    @Test
    void anEventOlderThanTheRetentionForAnOrderWithoutSagaIsIgnored() {
        now = T0.plus(SETTINGS.retention()).plusMillis(1);

        for (SpecificRecord old : List.of(paymentCompleted(ORDER, null), pointsApplied(ORDER), couponRejected(ORDER))) {
            Saga.Transition t = apply(old);
            assertThat(t.changed()).isFalse();
            assertThat(t.state()).isNull();
        }
        now = T0.plus(SETTINGS.retention());
        assertThat(apply(pointsApplied(ORDER)).changed()).as("exactly the retention old").isTrue();
    }

    @Test
    void aFinishedSagaIsDueForDeletionAfterTheRetention() {
        apply(paymentCompleted(ORDER, null));
        assertThat(Saga.nextDue(state)).isEqualTo(T0.plus(SETTINGS.stepDeadline()));
        now = T0.plusSeconds(5);
        apply(pointsApplied(ORDER));

        assertThat(state.getStatus()).isEqualTo(OrderStatus.COMPLETED);
        Instant purgeAt = now.plus(SETTINGS.retention());
        assertThat(state.getPurgeAt()).isEqualTo(purgeAt);
        assertThat(Saga.nextDue(state)).isEqualTo(purgeAt);
        assertThat(Saga.purgeDue(state, purgeAt.minusMillis(1))).isFalse();
        assertThat(Saga.purgeDue(state, purgeAt)).isTrue();
    }

    @Test
    void anOrphanIsResolvedByUndoingWhatSucceeded() {
        apply(couponRedeemed(ORDER));
        apply(pointsRejected(ORDER));

        Saga.Transition t = at(T0.plus(SETTINGS.stepDeadline()));

        assertThat(t.emitted()).singleElement().isInstanceOfSatisfying(ReleaseCoupon.class, r -> {
            assertThat(r.getCouponCode()).isEqualTo(COUPON);
            assertThat(r.getEventId()).isEqualTo(SagaMessages.eventId(ORDER, "compensate:COUPON"));
        });
        assertThat(state.getStatus()).isNull();
        assertThat(state.getPurgeAt()).isEqualTo(T0.plus(SETTINGS.stepDeadline()).plus(SETTINGS.retention()));
        assertThat(stepState(SagaStep.COUPON)).isEqualTo(StepState.COMPENSATING);
        assertThat(stepState(SagaStep.POINTS)).isEqualTo(StepState.REJECTED);
    }

    @Test
    void settingsMustBePositive() {
        assertThatThrownBy(() -> new SagaSettings(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofDays(1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stepDeadline");
        assertThatThrownBy(() -> new SagaSettings(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(1),
                Duration.ofSeconds(60))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retention");
        assertThat(SagaSettings.withDeadlines(Duration.ofSeconds(5), Duration.ofSeconds(9)).punctuateInterval())
                .isEqualTo(SagaSettings.DEFAULT_PUNCTUATE_INTERVAL);
    }
}
