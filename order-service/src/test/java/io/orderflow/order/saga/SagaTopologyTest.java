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
import static org.assertj.core.api.Assertions.tuple;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.SagaStep;
import io.orderflow.events.StepOutcome;
import io.orderflow.events.StepState;
import io.orderflow.saga.SagaState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The saga topology end to end in a TopologyTestDriver: inputs in, records on the output topics out. */
class SagaTopologyTest {

    private static final String ORDER = "order-1";

    @TempDir
    Path stateDir;

    private SagaHarness saga;

    @BeforeEach
    void start() {
        saga = new SagaHarness(stateDir);
    }

    @AfterEach
    void stop() {
        saga.close();
    }

    @Nested
    class HappyPath {

        @Test
        void withCouponCompletesWhenCouponThenPointsSucceed() {
            saga.send(paymentCompleted(ORDER, COUPON), couponRedeemed(ORDER), pointsApplied(ORDER));
            assertCompleted(StepState.SUCCEEDED);
        }

        @Test
        void withCouponCompletesWhenPointsThenCouponSucceed() {
            saga.send(paymentCompleted(ORDER, COUPON), pointsApplied(ORDER), couponRedeemed(ORDER));
            assertCompleted(StepState.SUCCEEDED);
        }

        @Test
        void withoutCouponCompletesOnPointsAlone() {
            saga.send(paymentCompleted(ORDER, null), pointsApplied(ORDER));
            assertCompleted(StepState.NOT_REQUIRED);
        }

        @Test
        void paymentAloneEmitsNothingAndIndexesTheStepDeadline() {
            saga.send(paymentCompleted(ORDER, COUPON), couponRedeemed(ORDER));

            assertThat(saga.emitted()).isEmpty();
            assertThat(saga.saga(ORDER).getStatus()).isEqualTo(OrderStatus.PENDING);
            assertThat(saga.deadlineKeys()).containsExactly(
                    DeadlineIndex.key(SagaHarness.T0.plus(SagaSettings.DEFAULT_STEP_DEADLINE).toEpochMilli(), ORDER));
        }

        private void assertCompleted(StepState couponState) {
            assertThat(saga.emitted()).hasSize(1);
            OrderStatusChanged completed = saga.statuses().get(0);
            assertThat(completed.getStatus()).isEqualTo(OrderStatus.COMPLETED);
            assertThat(completed.getPreviousStatus()).isEqualTo(OrderStatus.PENDING);
            assertThat(completed.getReason()).isNull();
            assertThat(completed.getCustomerId()).isEqualTo(Events.CUSTOMER);
            assertThat(completed.getOrderId()).isEqualTo(ORDER);
            assertThat(completed.getEventId()).isEqualTo(SagaMessages.eventId(ORDER, "status:COMPLETED"));
            assertThat(completed.getSteps()).extracting(StepOutcome::getStep, StepOutcome::getState).containsExactly(
                    tuple(SagaStep.PAYMENT, StepState.SUCCEEDED),
                    tuple(SagaStep.COUPON, couponState),
                    tuple(SagaStep.POINTS, StepState.SUCCEEDED));
            assertThat(saga.emitted()).allSatisfy(kv -> assertThat(kv.key).isEqualTo(ORDER));
            // Final: out of the deadline index, so time passing changes nothing.
            assertThat(saga.deadlineKeys()).isEmpty();
            saga.advance(Duration.ofMinutes(5));
            assertThat(saga.emitted()).hasSize(1);
        }
    }

    @Nested
    class CouponRejected {

        /** Every arrival order of the two acknowledgements and of a points success that comes after compensation began. */
        static Stream<List<String>> arrivalOrders() {
            return permutations(List.of("PointsApplied", "PointsReversed", "PaymentRefunded")).stream();
        }

        @ParameterizedTest
        @MethodSource("arrivalOrders")
        void compensatesPointsAndPaymentThenCancelsOnce(List<String> arrivals) {
            saga.send(paymentCompleted(ORDER, COUPON), couponRejected(ORDER));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsExactly(OrderStatus.COMPENSATING);
            assertThat(saga.reversals()).hasSize(1);
            assertThat(saga.refunds()).hasSize(1);
            assertThat(saga.releases()).isEmpty();

            for (String arrival : arrivals) {
                saga.send(switch (arrival) {
                    case "PointsApplied" -> pointsApplied(ORDER);
                    case "PointsReversed" -> pointsReversed(ORDER, 500);
                    default -> paymentRefunded(ORDER);
                });
            }

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus)
                    .containsExactly(OrderStatus.COMPENSATING, OrderStatus.CANCELLED);
            assertThat(saga.reversals()).hasSize(1);
            assertThat(saga.refunds()).hasSize(1);
            assertThat(saga.releases()).isEmpty();
            OrderStatusChanged cancelled = saga.statuses().get(1);
            assertThat(cancelled.getPreviousStatus()).isEqualTo(OrderStatus.COMPENSATING);
            assertThat(cancelled.getReason()).isEqualTo("COUPON_REJECTED: SOLD_OUT no uses left");
            assertThat(cancelled.getSteps()).extracting(StepOutcome::getState)
                    .containsExactly(StepState.COMPENSATED, StepState.REJECTED, StepState.COMPENSATED);
            assertThat(saga.deadlineKeys()).isEmpty();
        }

        @Test
        void compensationCommandsCarryTheReasonAndTheOrder() {
            saga.send(paymentCompleted(ORDER, COUPON), couponRejected(ORDER));

            OrderStatusChanged compensating = saga.statuses().get(0);
            assertThat(compensating.getPreviousStatus()).isEqualTo(OrderStatus.PENDING);
            assertThat(compensating.getReason()).startsWith(Saga.COUPON_REJECTED).contains("SOLD_OUT");
            assertThat(compensating.getSteps()).extracting(StepOutcome::getState)
                    .containsExactly(StepState.COMPENSATING, StepState.REJECTED, StepState.COMPENSATING);
            assertThat(saga.refunds().get(0).getReason()).isEqualTo(compensating.getReason());
            assertThat(saga.reversals().get(0).getCustomerId()).isEqualTo(Events.CUSTOMER);
            assertThat(saga.reversals().get(0).getEventId()).isEqualTo(SagaMessages.eventId(ORDER, "compensate:POINTS"));
            assertThat(saga.emitted()).extracting(kv -> kv.key).containsOnly(ORDER);
            // The compensation deadline replaces the step deadline in the index.
            assertThat(saga.deadlineKeys()).containsExactly(DeadlineIndex.key(
                    SagaHarness.T0.plus(SagaSettings.DEFAULT_COMPENSATION_DEADLINE).toEpochMilli(), ORDER));
        }
    }

    @Nested
    class PointsRejected {

        static Stream<List<String>> arrivalOrders() {
            return permutations(List.of("CouponRedeemed", "CouponReleased", "PaymentRefunded")).stream();
        }

        @ParameterizedTest
        @MethodSource("arrivalOrders")
        void releasesCouponAndRefundsThenCancelsOnce(List<String> arrivals) {
            saga.send(paymentCompleted(ORDER, COUPON), pointsRejected(ORDER));
            for (String arrival : arrivals) {
                saga.send(switch (arrival) {
                    case "CouponRedeemed" -> couponRedeemed(ORDER);
                    case "CouponReleased" -> couponReleased(ORDER, true);
                    default -> paymentRefunded(ORDER);
                });
            }

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus, OrderStatusChanged::getReason)
                    .containsExactly(
                            tuple(OrderStatus.COMPENSATING, "POINTS_REJECTED: INSUFFICIENT_BALANCE balance 100 < 500"),
                            tuple(OrderStatus.CANCELLED, "POINTS_REJECTED: INSUFFICIENT_BALANCE balance 100 < 500"));
            assertThat(saga.releases()).hasSize(1);
            assertThat(saga.releases().get(0).getCouponCode()).isEqualTo(COUPON);
            assertThat(saga.refunds()).hasSize(1);
            assertThat(saga.reversals()).isEmpty();
        }

        @Test
        void withoutCouponOnlyRefunds() {
            saga.send(paymentCompleted(ORDER, null), pointsRejected(ORDER), paymentRefunded(ORDER));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus)
                    .containsExactly(OrderStatus.COMPENSATING, OrderStatus.CANCELLED);
            assertThat(saga.refunds()).hasSize(1);
            assertThat(saga.releases()).isEmpty();
            assertThat(saga.reversals()).isEmpty();
        }
    }

    @Nested
    class BothRejected {

        @Test
        void firstReasonWinsAndTheSecondOnlyMarksItsStep() {
            saga.send(paymentCompleted(ORDER, COUPON), couponRejected(ORDER), pointsRejected(ORDER));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsExactly(OrderStatus.COMPENSATING);
            assertThat(saga.saga(ORDER).getReason()).startsWith(Saga.COUPON_REJECTED);
            // ReversePoints went out while points were PENDING: the cancel waits for its answer.
            saga.send(paymentRefunded(ORDER));
            assertThat(saga.statuses()).hasSize(1);
            saga.send(pointsReversed(ORDER, 0));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus, OrderStatusChanged::getReason)
                    .containsExactly(tuple(OrderStatus.COMPENSATING, "COUPON_REJECTED: SOLD_OUT no uses left"),
                            tuple(OrderStatus.CANCELLED, "COUPON_REJECTED: SOLD_OUT no uses left"));
            assertThat(saga.statuses().get(1).getSteps()).extracting(StepOutcome::getState)
                    .containsExactly(StepState.COMPENSATED, StepState.REJECTED, StepState.REJECTED);
            assertThat(saga.reversals()).hasSize(1);
            assertThat(saga.refunds()).hasSize(1);
            assertThat(saga.releases()).isEmpty();
        }

        @Test
        void pointsFirstThenCoupon() {
            saga.send(paymentCompleted(ORDER, COUPON), pointsRejected(ORDER), couponRejected(ORDER),
                    couponReleased(ORDER, false), paymentRefunded(ORDER));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus)
                    .containsExactly(OrderStatus.COMPENSATING, OrderStatus.CANCELLED);
            assertThat(saga.statuses().get(1).getReason()).startsWith(Saga.POINTS_REJECTED);
            assertThat(saga.releases()).hasSize(1);
            assertThat(saga.refunds()).hasSize(1);
            assertThat(saga.reversals()).isEmpty();
        }

        @Test
        void lateSuccessOfTheOtherStepIsCompensatedOnceAndCancelsOnce() {
            saga.send(paymentCompleted(ORDER, COUPON), couponRejected(ORDER), pointsReversed(ORDER, 0),
                    paymentRefunded(ORDER));
            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus)
                    .containsExactly(OrderStatus.COMPENSATING, OrderStatus.CANCELLED);

            // The points service applied the points before it saw ReversePoints (a bug on its side).
            saga.send(pointsApplied(ORDER));

            assertThat(saga.statuses()).hasSize(2);
            assertThat(saga.reversals()).hasSize(1);
            assertThat(saga.refunds()).hasSize(1);
        }
    }

    @Nested
    class Timeout {

        @Test
        void nothingHappensJustBeforeTheDeadline() {
            saga.send(paymentCompleted(ORDER, COUPON));
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE.minusMillis(1));
            assertThat(saga.emitted()).isEmpty();
        }

        @ParameterizedTest(name = "late PointsApplied {0}")
        @ValueSource(strings = {"before the acks", "after CANCELLED"})
        void compensatesEverySucceededOrPendingStepAndNeverTwice(String when) {
            saga.send(paymentCompleted(ORDER, COUPON), couponRedeemed(ORDER));
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE);

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus, OrderStatusChanged::getReason)
                    .containsExactly(tuple(OrderStatus.COMPENSATING, "TIMEOUT: no answer from POINTS"));
            assertThat(saga.releases()).hasSize(1);
            assertThat(saga.reversals()).hasSize(1);
            assertThat(saga.refunds()).hasSize(1);

            if (when.startsWith("before")) {
                saga.send(pointsApplied(ORDER));
            }
            saga.send(couponReleased(ORDER, true), pointsReversed(ORDER, 415), paymentRefunded(ORDER));
            if (when.startsWith("after")) {
                saga.send(pointsApplied(ORDER));
            }

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus, OrderStatusChanged::getReason)
                    .containsExactly(tuple(OrderStatus.COMPENSATING, "TIMEOUT: no answer from POINTS"),
                            tuple(OrderStatus.CANCELLED, "TIMEOUT: no answer from POINTS"));
            assertThat(saga.releases()).hasSize(1);
            assertThat(saga.reversals()).hasSize(1);
            assertThat(saga.refunds()).hasSize(1);
            assertThat(saga.deadlineKeys()).isEmpty();
        }

        @Test
        void namesEveryStepThatDidNotAnswer() {
            saga.send(paymentCompleted(ORDER, COUPON));
            saga.advance(Duration.ofMinutes(1));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getReason)
                    .containsExactly("TIMEOUT: no answer from COUPON, POINTS");
            assertThat(saga.statuses().get(0).getOccurredAt()).isEqualTo(saga.now());
            assertThat(saga.emitted()).hasSize(4);
        }

        @Test
        void aSagaCatchingUpOnABacklogGivesStepsTheirDeadlineFromWhenItSawThePayment() {
            saga.advance(Duration.ofMinutes(10));
            saga.sendPublishedAt(saga.now().minus(Duration.ofMinutes(5)), paymentCompleted(ORDER, null));
            saga.advance(Duration.ofSeconds(1));
            assertThat(saga.emitted()).isEmpty();

            saga.send(pointsApplied(ORDER));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsExactly(OrderStatus.COMPLETED);
        }

        @Test
        void onlyDueSagasTimeOut() {
            saga.send(paymentCompleted("early", null));
            saga.advance(Duration.ofSeconds(20));
            saga.send(paymentCompleted("late", null));
            saga.advance(Duration.ofSeconds(10));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getOrderId).containsExactly("early");
            saga.advance(Duration.ofSeconds(20));
            assertThat(saga.statuses()).extracting(OrderStatusChanged::getOrderId).containsExactly("early", "late");
        }
    }

    @Nested
    class CompensationDeadline {

        @Test
        void missingAcknowledgementFailsTheSagaAndALateOneOnlyUpdatesTheStep() {
            saga.send(paymentCompleted(ORDER, COUPON), couponRejected(ORDER), paymentRefunded(ORDER));
            saga.advance(SagaSettings.DEFAULT_COMPENSATION_DEADLINE.minusMillis(1));
            assertThat(saga.statuses()).hasSize(1);

            saga.advance(Duration.ofMillis(1));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus)
                    .containsExactly(OrderStatus.COMPENSATING, OrderStatus.FAILED);
            OrderStatusChanged failed = saga.statuses().get(1);
            assertThat(failed.getPreviousStatus()).isEqualTo(OrderStatus.COMPENSATING);
            assertThat(failed.getReason()).isEqualTo(
                    "COUPON_REJECTED: SOLD_OUT no uses left; compensation not acknowledged: POINTS");
            assertThat(failed.getSteps()).extracting(StepOutcome::getState)
                    .containsExactly(StepState.COMPENSATED, StepState.REJECTED, StepState.FAILED);
            assertThat(saga.deadlineKeys()).isEmpty();

            saga.send(pointsReversed(ORDER, 500));

            assertThat(saga.statuses()).hasSize(2);
            assertThat(saga.emitted()).hasSize(4); // 2 statuses, ReversePoints, RefundPayment
            SagaState state = saga.saga(ORDER);
            assertThat(state.getStatus()).isEqualTo(OrderStatus.FAILED);
            assertThat(state.getSteps().get(2).getState()).isEqualTo(StepState.COMPENSATED);
        }

        @Test
        void timeoutThenNoAcknowledgementAtAllFails() {
            saga.send(paymentCompleted(ORDER, null));
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE);
            saga.advance(SagaSettings.DEFAULT_COMPENSATION_DEADLINE);

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus, OrderStatusChanged::getReason)
                    .containsExactly(tuple(OrderStatus.COMPENSATING, "TIMEOUT: no answer from POINTS"),
                            tuple(OrderStatus.FAILED,
                                    "TIMEOUT: no answer from POINTS; compensation not acknowledged: PAYMENT, POINTS"));
            saga.advance(Duration.ofMinutes(10));
            assertThat(saga.statuses()).hasSize(2);
        }
    }

    @Nested
    class Duplicates {

        /** Scenarios that reach each status, each input of which is then delivered twice. */
        static Stream<Arguments> scenarios() {
            return Stream.of(
                    Arguments.of("completed", (Function<String, List<SpecificRecord>>) o -> List.of(
                            paymentCompleted(o, COUPON), couponRedeemed(o), pointsApplied(o))),
                    Arguments.of("coupon rejected, cancelled", (Function<String, List<SpecificRecord>>) o -> List.of(
                            paymentCompleted(o, COUPON), couponRejected(o), pointsApplied(o), pointsReversed(o, 500),
                            paymentRefunded(o))),
                    Arguments.of("points rejected, cancelled", (Function<String, List<SpecificRecord>>) o -> List.of(
                            paymentCompleted(o, COUPON), pointsRejected(o), couponRedeemed(o), couponReleased(o, true),
                            paymentRefunded(o))),
                    Arguments.of("both rejected, cancelled", (Function<String, List<SpecificRecord>>) o -> List.of(
                            paymentCompleted(o, COUPON), pointsRejected(o), couponRejected(o), couponReleased(o, false),
                            paymentRefunded(o))));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("scenarios")
        void aRedeliveredInputChangesNothingAndEmitsNothing(String name, Function<String, List<SpecificRecord>> scenario) {
            List<SpecificRecord> once = scenario.apply("once");
            List<SpecificRecord> twice = scenario.apply("twice");
            once.forEach(saga::send);
            for (SpecificRecord event : twice) {
                saga.send(event);
                SagaState before = saga.saga("twice");
                int emitted = saga.emitted().size();

                saga.send(event);

                assertThat(saga.saga("twice")).as("state after a duplicate %s", event.getSchema().getName())
                        .isEqualTo(before);
                assertThat(saga.emitted()).hasSize(emitted);
            }

            assertThat(outputsOf("twice")).containsExactlyElementsOf(outputsOf("once"));
        }

        private List<String> outputsOf(String orderId) {
            List<String> outputs = new ArrayList<>();
            for (KeyValue<String, SpecificRecord> kv : saga.emitted()) {
                if (kv.key.equals(orderId)) {
                    outputs.add(kv.value.getSchema().getName() + " " + describe(kv.value));
                }
            }
            return outputs;
        }

        private String describe(SpecificRecord record) {
            return record instanceof OrderStatusChanged s ? s.getStatus() + " " + s.getReason() : "";
        }
    }

    @Nested
    class AfterAFinalStatus {

        @Test
        void resultsAfterCompletedChangeNothing() {
            saga.send(paymentCompleted(ORDER, COUPON), couponRedeemed(ORDER), pointsApplied(ORDER));
            SagaState completed = saga.saga(ORDER);

            saga.send(couponRejected(ORDER), pointsRejected(ORDER), couponReleased(ORDER, true),
                    pointsReversed(ORDER, 500), paymentRefunded(ORDER), couponRedeemed(ORDER), pointsApplied(ORDER),
                    paymentCompleted(ORDER, COUPON));
            saga.advance(Duration.ofMinutes(5));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsExactly(OrderStatus.COMPLETED);
            assertThat(saga.emitted()).hasSize(1);
            assertThat(saga.saga(ORDER)).isEqualTo(completed);
        }

        @Test
        void resultsAfterCancelledNeverChangeTheStatus() {
            saga.send(paymentCompleted(ORDER, null), pointsRejected(ORDER), paymentRefunded(ORDER));
            assertThat(saga.saga(ORDER).getStatus()).isEqualTo(OrderStatus.CANCELLED);

            saga.send(pointsRejected(ORDER), paymentRefunded(ORDER), pointsReversed(ORDER, 0),
                    paymentCompleted(ORDER, null));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus)
                    .containsExactly(OrderStatus.COMPENSATING, OrderStatus.CANCELLED);
            assertThat(saga.emitted()).hasSize(3);
            assertThat(saga.saga(ORDER).getStatus()).isEqualTo(OrderStatus.CANCELLED);
        }

        @Test
        void aSuccessAfterCancelledThatWasNeverCompensatedIsCompensatedAtOnce() {
            saga.send(paymentCompleted(ORDER, null), pointsRejected(ORDER), paymentRefunded(ORDER));

            // Contradicts the earlier rejection, but points may have moved: undo them.
            saga.send(pointsApplied(ORDER));

            assertThat(saga.reversals()).hasSize(1);
            assertThat(saga.reversals().get(0).getReason()).startsWith(Saga.POINTS_REJECTED);
            assertThat(saga.statuses()).hasSize(2);
            saga.send(pointsReversed(ORDER, 415));
            assertThat(saga.saga(ORDER).getSteps().get(2).getState()).isEqualTo(StepState.COMPENSATED);
            assertThat(saga.saga(ORDER).getStatus()).isEqualTo(OrderStatus.CANCELLED);
            assertThat(saga.emitted()).hasSize(4);
        }
    }

    @Nested
    class ResultsBeforePayment {

        @Test
        void successesAreKeptAndCompleteTheSagaWhenThePaymentArrives() {
            saga.send(pointsApplied(ORDER), couponRedeemed(ORDER));
            assertThat(saga.emitted()).isEmpty();
            assertThat(saga.saga(ORDER).getStatus()).isNull();
            assertThat(saga.deadlineKeys()).isEmpty();

            saga.send(paymentCompleted(ORDER, COUPON));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus, OrderStatusChanged::getPreviousStatus)
                    .containsExactly(tuple(OrderStatus.COMPLETED, OrderStatus.PENDING));
            assertThat(saga.emitted()).hasSize(1);
            assertThat(saga.deadlineKeys()).isEmpty();
        }

        @Test
        void aRejectionIsKeptAndCompensatesWhenThePaymentArrives() {
            saga.send(pointsRejected(ORDER));
            assertThat(saga.emitted()).isEmpty();

            saga.send(paymentCompleted(ORDER, COUPON));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus, OrderStatusChanged::getReason)
                    .containsExactly(tuple(OrderStatus.COMPENSATING,
                            "POINTS_REJECTED: INSUFFICIENT_BALANCE balance 100 < 500"));
            assertThat(saga.releases()).hasSize(1);
            assertThat(saga.refunds()).hasSize(1);
            assertThat(saga.reversals()).isEmpty();
        }

        @Test
        void anAcknowledgementOfNothingIsIgnored() {
            saga.send(pointsReversed(ORDER, 0), paymentRefunded(ORDER));

            assertThat(saga.emitted()).isEmpty();
            assertThat(saga.saga(ORDER)).isNull();
        }
    }

    @Test
    void aRecordWithoutValueIsIgnored() {
        saga.sendTombstone(ORDER);
        saga.send(paymentCompleted(ORDER, null), pointsApplied(ORDER));

        assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsExactly(OrderStatus.COMPLETED);
    }

    /** Every ordering of {@code items}. */
    static <T> List<List<T>> permutations(List<T> items) {
        if (items.isEmpty()) {
            return List.of(List.of());
        }
        List<List<T>> all = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<T> rest = new ArrayList<>(items);
            T first = rest.remove(i);
            for (List<T> tail : permutations(rest)) {
                List<T> one = new ArrayList<>();
                one.add(first);
                one.addAll(tail);
                all.add(one);
            }
        }
        return all;
    }
}
