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
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.tuple;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.SagaStep;
import io.orderflow.events.StepOutcome;
import io.orderflow.events.StepState;
import io.orderflow.platform.consumer.DeadLetters;
import io.orderflow.platform.kafka.TraceContext;
import io.orderflow.saga.SagaState;
import io.orderflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
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
            // Final: only its deletion is indexed, so time passing changes nothing until the retention ends.
            assertThat(saga.deadlineKeys()).containsExactly(purgeKey(SagaHarness.T0));
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
            assertThat(saga.deadlineKeys()).containsExactly(purgeKey(SagaHarness.T0));
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
            assertThat(saga.deadlineKeys()).containsExactly(purgeKey(saga.now()));
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
            assertThat(saga.deadlineKeys()).containsExactly(purgeKey(saga.now()));

            saga.send(pointsReversed(ORDER, 500));

            // The late acknowledgement is recorded and shown: the same status, the steps as they are now.
            SagaState state = saga.saga(ORDER);
            assertThat(state.getStatus()).isEqualTo(OrderStatus.FAILED);
            assertThat(state.getSteps().get(2).getState()).isEqualTo(StepState.COMPENSATED);
            assertThat(state.getSteps().get(2).getCompensationAcknowledged()).isTrue();
            assertThat(saga.statuses()).hasSize(3);
            OrderStatusChanged update = saga.statuses().get(2);
            assertThat(update.getStatus()).isEqualTo(OrderStatus.FAILED);
            assertThat(update.getPreviousStatus()).isEqualTo(OrderStatus.FAILED);
            assertThat(update.getReason()).isEqualTo(failed.getReason());
            assertThat(update.getSteps()).extracting(StepOutcome::getState)
                    .containsExactly(StepState.COMPENSATED, StepState.REJECTED, StepState.COMPENSATED);
            assertThat(update.getEventId()).isNotIn(failed.getEventId(), saga.statuses().get(0).getEventId());

            saga.send(pointsReversed(ORDER, 500)); // acknowledged again: nothing new
            assertThat(saga.statuses()).hasSize(3);
        }

        @Test
        void aStepStillOwedAfterFailedShowsUntilItsAcknowledgementComes() {
            saga.send(paymentCompleted(ORDER, null));
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE);
            saga.advance(SagaSettings.DEFAULT_COMPENSATION_DEADLINE);
            assertThat(saga.statuses().get(1).getSteps()).extracting(StepOutcome::getState)
                    .containsExactly(StepState.FAILED, StepState.NOT_REQUIRED, StepState.FAILED);

            saga.send(paymentRefunded(ORDER));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus)
                    .containsExactly(OrderStatus.COMPENSATING, OrderStatus.FAILED, OrderStatus.FAILED);
            assertThat(saga.statuses().get(2).getSteps()).extracting(StepOutcome::getState)
                    .as("the refund arrived, the points reversal is still owed")
                    .containsExactly(StepState.COMPENSATED, StepState.NOT_REQUIRED, StepState.FAILED);
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
            assertThat(saga.deadlineKeys()).as("a deadline from the first result").containsExactly(DeadlineIndex.key(
                    SagaHarness.T0.plus(SagaSettings.DEFAULT_STEP_DEADLINE).toEpochMilli(), ORDER));

            saga.send(paymentCompleted(ORDER, COUPON));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus, OrderStatusChanged::getPreviousStatus)
                    .containsExactly(tuple(OrderStatus.COMPLETED, OrderStatus.PENDING));
            assertThat(saga.emitted()).hasSize(1);
            assertThat(saga.deadlineKeys()).containsExactly(purgeKey(SagaHarness.T0));
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


    @Nested
    class ResultsWithoutPayment {

        @Test
        void successesWithoutPaymentAreUndoneAtTheDeadlineOfTheFirstAndNoStatusIsEmitted() {
            saga.send(couponRedeemed(ORDER));
            saga.advance(Duration.ofSeconds(20));
            saga.send(pointsApplied(ORDER)); // does not move the deadline
            saga.advance(Duration.ofSeconds(10).minusMillis(1));
            assertThat(saga.emitted()).isEmpty();

            saga.advance(Duration.ofMillis(1));

            assertThat(saga.releases()).singleElement().satisfies(r -> {
                assertThat(r.getCouponCode()).isEqualTo(COUPON);
                assertThat(r.getCustomerId()).isEqualTo(Events.CUSTOMER);
                assertThat(r.getReason()).startsWith(Saga.TIMEOUT).contains("no PaymentCompleted");
            });
            assertThat(saga.reversals()).singleElement()
                    .satisfies(r -> assertThat(r.getCustomerId()).isEqualTo(Events.CUSTOMER));
            assertThat(saga.refunds()).as("nothing was paid").isEmpty();
            assertThat(saga.statuses()).as("no status for an order the saga never saw paid").isEmpty();
            SagaState orphan = saga.saga(ORDER);
            assertThat(orphan.getStatus()).isNull();
            assertThat(orphan.getDeadline()).isNull();
            assertThat(orphan.getSteps()).extracting(s -> s.getState())
                    .containsExactly(StepState.PENDING, StepState.COMPENSATING, StepState.COMPENSATING);
            assertThat(saga.deadlineKeys()).as("deleted after the retention")
                    .containsExactly(purgeKey(SagaHarness.T0.plus(SagaSettings.DEFAULT_STEP_DEADLINE)));
        }

        @Test
        void aPaymentAfterTheResolutionCompensatesAtOnceAndTheOrderEndsCancelled() {
            saga.send(couponRedeemed(ORDER), pointsApplied(ORDER));
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE);
            saga.send(couponReleased(ORDER, true));

            saga.send(paymentCompleted(ORDER, COUPON));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsExactly(OrderStatus.COMPENSATING);
            assertThat(saga.statuses().get(0).getReason()).startsWith(Saga.TIMEOUT);
            assertThat(saga.refunds()).hasSize(1);
            assertThat(saga.releases()).as("requested once").hasSize(1);
            assertThat(saga.reversals()).as("requested once").hasSize(1);

            saga.send(pointsReversed(ORDER, 415), paymentRefunded(ORDER));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus)
                    .containsExactly(OrderStatus.COMPENSATING, OrderStatus.CANCELLED);
            assertThat(saga.statuses().get(1).getSteps()).extracting(StepOutcome::getState)
                    .containsExactly(StepState.COMPENSATED, StepState.COMPENSATED, StepState.COMPENSATED);
        }

        @Test
        void aSuccessAfterTheResolutionIsUndoneAtOnce() {
            saga.send(couponRedeemed(ORDER));
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE);
            assertThat(saga.reversals()).isEmpty();

            saga.send(pointsApplied(ORDER));

            assertThat(saga.reversals()).hasSize(1);
            assertThat(saga.statuses()).isEmpty();
        }

        @Test
        void aRejectionAloneIsResolvedWithNothingToUndo() {
            saga.send(pointsRejected(ORDER));
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE);

            assertThat(saga.emitted()).isEmpty();
            assertThat(saga.saga(ORDER).getPurgeAt()).isNotNull();
            saga.advance(SagaSettings.DEFAULT_RETENTION);
            assertThat(saga.saga(ORDER)).isNull();
        }
    }

    @Nested
    class Retention {

        @Test
        void aFinishedSagaIsDeletedWhenItsRetentionEndsWithATombstoneInTheChangelog() {
            saga.send(paymentCompleted(ORDER, null), pointsApplied(ORDER));
            saga.advance(SagaSettings.DEFAULT_RETENTION.minusSeconds(1));
            assertThat(saga.saga(ORDER)).isNotNull();

            saga.advance(Duration.ofSeconds(1));

            assertThat(saga.saga(ORDER)).isNull();
            assertThat(saga.deadlineKeys()).isEmpty();
            assertThat(saga.changelog()).as("the changelog forgets it too").last()
                    .satisfies(r -> {
                        assertThat(r.key()).isEqualTo(ORDER);
                        assertThat(r.value()).isNull();
                    });
            assertThat(saga.emitted()).hasSize(1);
        }

        @ParameterizedTest(name = "{0}")
        @ValueSource(strings = {"CANCELLED", "FAILED"})
        void cancelledAndFailedSagasAreDeletedTooCountedFromWhenTheyFinished(String status) {
            saga.send(paymentCompleted(ORDER, null), pointsRejected(ORDER));
            saga.advance(Duration.ofSeconds(10));
            if (status.equals("CANCELLED")) {
                saga.send(paymentRefunded(ORDER));
            } else {
                saga.advance(SagaSettings.DEFAULT_COMPENSATION_DEADLINE);
            }
            assertThat(saga.saga(ORDER).getStatus()).hasToString(status);
            java.time.Instant finished = saga.now();
            assertThat(saga.deadlineKeys()).containsExactly(purgeKey(finished));

            saga.advance(SagaSettings.DEFAULT_RETENTION);

            assertThat(saga.saga(ORDER)).isNull();
        }

        @Test
        void aResultOlderThanTheRetentionForADeletedSagaIsIgnored() {
            saga.send(paymentCompleted(ORDER, null), pointsApplied(ORDER));
            saga.advance(SagaSettings.DEFAULT_RETENTION.plusSeconds(1));
            assertThat(saga.saga(ORDER)).isNull();

            // Events.* happened at T0, more than the retention ago
            saga.send(pointsApplied(ORDER), couponRejected(ORDER), paymentCompleted(ORDER, null));
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE.plus(SagaSettings.DEFAULT_COMPENSATION_DEADLINE));

            assertThat(saga.saga(ORDER)).isNull();
            assertThat(saga.deadlineKeys()).isEmpty();
            assertThat(saga.emitted()).hasSize(1);
        }

        @Test
        void onlyDueSagasAreDeleted() {
            saga.send(paymentCompleted("early", null), pointsApplied("early"));
            saga.advance(Duration.ofHours(1));
            saga.send(paymentCompleted("late", null), pointsApplied("late"));

            saga.advance(SagaSettings.DEFAULT_RETENTION.minusMinutes(30));

            assertThat(saga.saga("early")).isNull();
            assertThat(saga.saga("late")).isNotNull();
        }
    }

    @Nested
    class OutputHeaders {

        private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
        private static final String INPUT_TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

        @Test
        void eachOutputCarriesItsOwnEventIdAndTypeAndContinuesTheInputsTrace() {
            saga.send(paymentCompleted(ORDER, null));
            var rejection = pointsRejected(ORDER);

            saga.sendWithHeaders(inputHeaders(rejection), rejection);

            assertThat(saga.emittedRecords()).hasSize(2).allSatisfy(r -> {
                assertThat(header(r.headers(), TraceContext.EVENT_ID)).isEqualTo(String.valueOf(r.value().get(0)));
                assertThat(r.headers().headers(TraceContext.EVENT_ID)).as("not the input's as well").hasSize(1);
                assertThat(header(r.headers(), TraceContext.EVENT_TYPE)).isEqualTo(r.value().getSchema().getFullName());
                assertThat(header(r.headers(), TraceContext.CORRELATION_ID)).isEqualTo("corr-1");
                assertThat(header(r.headers(), TraceContext.TRACEPARENT)).startsWith("00-" + TRACE_ID + "-")
                        .isNotEqualTo(INPUT_TRACEPARENT);
            });
            assertThat(saga.emittedRecords()).extracting(r -> header(r.headers(), TraceContext.EVENT_TYPE))
                    .containsExactlyInAnyOrder("io.orderflow.events.RefundPayment", "io.orderflow.events.OrderStatusChanged");
        }

        @Test
        void whatADeadlineEmitsContinuesTheTraceOfTheSagasFirstInput() {
            var payment = paymentCompleted(ORDER, null);
            saga.sendWithHeaders(inputHeaders(payment), payment);

            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE);

            assertThat(saga.emittedRecords()).hasSize(3).allSatisfy(r -> {
                assertThat(header(r.headers(), TraceContext.EVENT_ID)).isEqualTo(String.valueOf(r.value().get(0)));
                assertThat(header(r.headers(), TraceContext.CORRELATION_ID)).isEqualTo("corr-1");
                assertThat(header(r.headers(), TraceContext.TRACEPARENT)).startsWith("00-" + TRACE_ID + "-");
            });
        }

        @Test
        void withoutATraceTheOutputsStartOne() {
            saga.send(paymentCompleted(ORDER, null), pointsRejected(ORDER));

            assertThat(saga.emittedRecords()).isNotEmpty().allSatisfy(r -> {
                assertThat(header(r.headers(), TraceContext.TRACEPARENT)).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
                assertThat(header(r.headers(), TraceContext.CORRELATION_ID)).isEqualTo(ORDER);
            });
        }

        private static Headers inputHeaders(SpecificRecord input) {
            Headers headers = new RecordHeaders();
            headers.add(TraceContext.EVENT_ID, String.valueOf(input.get(0)).getBytes(StandardCharsets.UTF_8));
            headers.add(TraceContext.EVENT_TYPE, input.getSchema().getFullName().getBytes(StandardCharsets.UTF_8));
            headers.add(TraceContext.CORRELATION_ID, "corr-1".getBytes(StandardCharsets.UTF_8));
            headers.add(TraceContext.TRACEPARENT, INPUT_TRACEPARENT.getBytes(StandardCharsets.UTF_8));
            return headers;
        }
    }

    /**
     * A backlog the system caused itself (issue 8: brokers down 30 s, then the outbox releases every
     * order at once): points-service works through payments.events in offset order, slower than the
     * step deadline. Alive and behind extends the deadline; silence still times out.
     */
    @Nested
    class Backlog {

        private static final int ORDERS = 20;
        private static final Duration BETWEEN_RESULTS = Duration.ofSeconds(4);

        private String order(int i) {
            return String.format("backlog-%02d", i);
        }

        private void paymentsAtOnce() {
            for (int i = 0; i < ORDERS; i++) {
                saga.send(paymentCompleted(order(i), null));
            }
        }

        private List<OrderStatus> finalStatuses() {
            return Stream.iterate(0, i -> i + 1).limit(ORDERS).map(i -> saga.saga(order(i)).getStatus()).toList();
        }

        @Test
        void resultsTricklingInInOrderSlowerThanTheDeadlineCompleteEveryOrder() {
            paymentsAtOnce();

            for (int i = 0; i < ORDERS; i++) {
                saga.advance(BETWEEN_RESULTS);
                saga.send(pointsApplied(order(i)));
            }

            assertThat(saga.now()).isAfter(SagaHarness.T0.plus(SagaSettings.DEFAULT_STEP_DEADLINE.multipliedBy(2)));
            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).hasSize(ORDERS)
                    .containsOnly(OrderStatus.COMPLETED);
            assertThat(saga.reversals()).isEmpty();
            assertThat(saga.refunds()).isEmpty();
            assertThat(saga.saga(order(ORDERS - 1)).getDeadlineExtensions()).isGreaterThanOrEqualTo(2);
        }

        @Test
        void withTheStepSilentEveryOrderTimesOutAtTheStepDeadlineAsBefore() {
            paymentsAtOnce();

            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE.minusMillis(1));
            assertThat(saga.statuses()).isEmpty();
            saga.advance(Duration.ofMillis(1));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus, OrderStatusChanged::getReason)
                    .hasSize(ORDERS).containsOnly(tuple(OrderStatus.COMPENSATING, "TIMEOUT: no answer from POINTS"));
            assertThat(saga.reversals()).hasSize(ORDERS);
        }

        @Test
        void aStepThatFallsSilentMidBacklogTimesOutTheRestOneStepDeadlineAfterItsLastResult() {
            paymentsAtOnce();
            int answered = 5;
            for (int i = 0; i < answered; i++) {
                saga.advance(BETWEEN_RESULTS);
                saga.send(pointsApplied(order(i)));
            }
            java.time.Instant lastResult = saga.now();

            saga.advance(Duration.between(saga.now(), lastResult.plus(SagaSettings.DEFAULT_STEP_DEADLINE)).minusMillis(1));
            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsOnly(OrderStatus.COMPLETED)
                    .hasSize(answered);
            saga.advance(Duration.ofMillis(1));

            assertThat(finalStatuses().subList(0, answered)).containsOnly(OrderStatus.COMPLETED);
            assertThat(finalStatuses().subList(answered, ORDERS)).containsOnly(OrderStatus.COMPENSATING);
            assertThat(saga.saga(order(ORDERS - 1)).getReason())
                    .startsWith("TIMEOUT: no answer from POINTS (deadline extended 1x").contains("silent since");
        }

        @Test
        void aResultForALaterOrderMeansTheStepSkippedTheEarlierOneWhichTimesOut() {
            paymentsAtOnce();
            saga.advance(BETWEEN_RESULTS);
            saga.send(pointsApplied(order(1))); // order 0 skipped (dead-lettered by points-service, say)

            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE.minus(BETWEEN_RESULTS));

            assertThat(saga.saga(order(0)).getStatus()).isEqualTo(OrderStatus.COMPENSATING);
            assertThat(saga.saga(order(0)).getReason()).isEqualTo("TIMEOUT: no answer from POINTS");
            assertThat(saga.saga(order(2)).getStatus()).isEqualTo(OrderStatus.PENDING);
        }

        @Test
        void eachParticipantsProgressIsChangeloggedSoItSurvivesARestart() {
            paymentsAtOnce();
            saga.advance(BETWEEN_RESULTS);
            saga.send(pointsApplied(order(3)));
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE); // orders 0-2 passed: TIMEOUT, compensations
            saga.send(paymentRefunded(order(0)));

            String resultAt = Long.toString(SagaHarness.T0.plus(BETWEEN_RESULTS).toEpochMilli());
            String compensatedAt = Long.toString(saga.now().toEpochMilli()); // order 0 compensates since now
            assertThat(saga.progressChangelog()).containsOnly(
                    entry("RESULT|POINTS", resultAt + "|3"), // order 3 is the 4th PaymentCompleted: offset 3
                    entry("ACKNOWLEDGEMENT|PAYMENT", compensatedAt + "|" + compensatedAt));
        }

        @Test
        void aStepIsAliveByWhenTheSagaSawItsResultNotByTheResultsTimestamp() {
            paymentsAtOnce();
            saga.advance(Duration.ofSeconds(1));
            // points-service's clock runs 10 minutes ahead: its record timestamp must not keep POINTS "alive"
            saga.sendPublishedAt(saga.now().plus(Duration.ofMinutes(10)), pointsApplied(order(0)));

            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE);

            assertThat(finalStatuses().subList(1, ORDERS)).containsOnly(OrderStatus.COMPENSATING);
        }

        @Test
        void acknowledgementsTricklingInSlowerThanTheCompensationDeadlineCancelEveryOrder() {
            paymentsAtOnce();
            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE); // points-service silent: every order compensates
            assertThat(saga.reversals()).hasSize(ORDERS);

            for (int i = 0; i < ORDERS; i++) {
                saga.advance(BETWEEN_RESULTS);
                saga.send(paymentRefunded(order(i)), pointsReversed(order(i), 0));
            }

            assertThat(Duration.between(SagaHarness.T0.plus(SagaSettings.DEFAULT_STEP_DEADLINE), saga.now()))
                    .isGreaterThan(SagaSettings.DEFAULT_COMPENSATION_DEADLINE);
            assertThat(finalStatuses()).containsOnly(OrderStatus.CANCELLED);
            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).doesNotContain(OrderStatus.FAILED);
        }
    }

    @Nested
    class PoisonInputs {

        @Test
        void anUnreadableRecordGoesToTheDeadLetterTopicAndTheSagaGoesOn() {
            saga.close();
            saga = SagaHarness.atLeastOnce(stateDir);
            byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
            saga.send(paymentCompleted(ORDER, null));

            saga.sendRaw(Topics.PAYMENTS_EVENTS, "garbage", garbage);
            saga.send(pointsApplied(ORDER));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsExactly(OrderStatus.COMPLETED);
            assertThat(saga.deadLettered()).singleElement().satisfies(dead -> {
                assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("garbage");
                assertThat(dead.value()).isEqualTo(garbage);
                assertThat(header(dead.headers(), DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.PAYMENTS_EVENTS.name());
                assertThat(header(dead.headers(), DeadLetters.ORIGINAL_OFFSET)).isEqualTo("1");
                assertThat(header(dead.headers(), DeadLetters.EXCEPTION_MESSAGE)).contains("Not Confluent wire format");
                assertThat(header(dead.headers(), DeadLetters.CONSUMER_GROUP)).isEqualTo(SagaHarness.APPLICATION_ID);
            });
        }

        @Test
        void anEventKeyedByAnotherOrderIsDeadLetteredAsItWasRead() {
            var misrouted = pointsApplied(ORDER);
            saga.send(paymentCompleted(ORDER, null));

            saga.sendKeyed("order-2", misrouted);

            assertThat(saga.saga("order-2")).isNull();
            assertThat(saga.saga(ORDER).getStatus()).isEqualTo(OrderStatus.PENDING);
            assertThat(saga.deadLettered()).singleElement().satisfies(dead -> {
                assertThat(dead.value()).isEqualTo(saga.serialize(Topics.POINTS_EVENTS, misrouted));
                assertThat(header(dead.headers(), DeadLetters.ORIGINAL_TOPIC)).isEqualTo(Topics.POINTS_EVENTS.name());
                assertThat(header(dead.headers(), DeadLetters.EXCEPTION_CLASS))
                        .isEqualTo(IllegalArgumentException.class.getName());
                assertThat(header(dead.headers(), DeadLetters.EXCEPTION_MESSAGE)).contains(ORDER, "order-2");
            });
            saga.send(pointsApplied(ORDER));
            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsExactly(OrderStatus.COMPLETED);
        }

        @Test
        void aRecordWithoutValueIsDeadLettered() {
            saga.sendTombstone(ORDER);
            saga.send(paymentCompleted(ORDER, null), pointsApplied(ORDER));

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getStatus).containsExactly(OrderStatus.COMPLETED);
            assertThat(saga.deadLettered()).singleElement().satisfies(dead -> {
                assertThat(dead.value()).isNull();
                assertThat(header(dead.headers(), DeadLetters.EXCEPTION_MESSAGE)).contains("tombstone");
            });
        }

        @Test
        void aDeadlineThatFailsForOneSagaIsRetriedLaterAndTheOthersGoOn() {
            // A PENDING saga without customer (a bug or a corrupt store): its timeout cannot build a status.
            SagaState broken = Saga.initial("broken", SagaHarness.T0);
            broken.setStatus(OrderStatus.PENDING);
            broken.setDeadline(SagaHarness.T0.plus(SagaSettings.DEFAULT_STEP_DEADLINE));
            saga.store(broken);
            saga.send(paymentCompleted(ORDER, null));

            saga.advance(SagaSettings.DEFAULT_STEP_DEADLINE);

            assertThat(saga.statuses()).extracting(OrderStatusChanged::getOrderId).containsExactly(ORDER);
            assertThat(saga.saga("broken").getDeadline()).isEqualTo(saga.now().plus(SagaSettings.DEFAULT_COMPENSATION_DEADLINE));
            assertThat(saga.deadlineKeys()).contains(DeadlineIndex.key(
                    saga.now().plus(SagaSettings.DEFAULT_COMPENSATION_DEADLINE).toEpochMilli(), "broken"));
        }
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The deadline-index entry that deletes ORDER's saga, finished at {@code finishedAt}. */
    static String purgeKey(java.time.Instant finishedAt) {
        return DeadlineIndex.key(finishedAt.plus(SagaSettings.DEFAULT_RETENTION).toEpochMilli(), ORDER);
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
