package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.events.CouponReleased;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.ReversePoints;
import io.orderflow.order.OrderService;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The saga's failure paths end to end, on the embedded broker and registry: a rejected step, and a
 * service that does not answer, each end CANCELLED with every effect undone exactly once. Each group
 * has its own stack (one at a time) and ends with the InvariantChecker over the four databases.
 */
class SagaFailureIT {

    /** points-service's operator credit needs it (ADMIN_TOKEN). */
    private static final String ADMIN_TOKEN = "saga-failure-it-admin-token";

    private static final long SUBTOTAL = 2 * 1999;

    // ---- a step is rejected ----------------------------------------------------------------------

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class WhenAStepIsRejected {

        TestStack stack;

        @BeforeAll
        void start() throws Exception {
            stack = TestStack.start(Map.of("ADMIN_TOKEN", ADMIN_TOKEN));
        }

        @AfterAll
        void stop() {
            if (stack != null) {
                stack.close();
            }
        }

        @Test
        @Order(1)
        void aCouponTheCustomerAlreadyUsedCancelsTheOrderRestoresThePointsExactlyAndRefundsOnce() throws Exception {
            // Given a customer with 500 points (an operator credit) who already used WELCOME10 once
            String customer = "c-twice";
            credit(stack, customer, 500);
            JsonNode first = stack.placeAndAwaitFinal(HttpJson.order(customer, "WELCOME10", 0));
            assertThat(first.get("status").asText()).as("first order %s", first).isEqualTo("COMPLETED");
            long balanceBefore = stack.balance(customer);
            assertThat(balanceBefore).isEqualTo(500 + (SUBTOTAL - 1000) / 100);

            // When they order again with WELCOME10, redeeming 200 of their points
            String orderId = stack.place(HttpJson.order(customer, "WELCOME10", 200));
            JsonNode order = stack.awaitFinal(orderId, Duration.ofSeconds(60));

            // Then coupon-service rejects it (ALREADY_USED) and the saga compensates to CANCELLED
            assertThat(order.get("status").asText()).as("order %s", order).isEqualTo("CANCELLED");
            assertThat(order.get("reason").asText()).startsWith("COUPON_REJECTED").contains("ALREADY_USED");
            assertThat(statuses(order)).containsSubsequence("COMPENSATING", "CANCELLED");
            assertThat(stepStates(order)).contains("PAYMENT=COMPENSATED", "COUPON=REJECTED")
                    // The points were applied and reversed, or (ReversePoints first) locked and never applied.
                    .containsAnyOf("POINTS=COMPENSATED", "POINTS=REJECTED");

            // And the points balance is exactly what it was before the order; the order's ledger rows net to 0
            assertThat(stack.balance(customer)).as("balance after the cancelled order").isEqualTo(balanceBefore);
            assertThat(stack.ledger(customer, orderId).stream().mapToLong(r -> r.get("delta").asLong()).sum()).isZero();

            // And the payment is refunded, once: one PaymentRefunded on payments.events, for the amount charged
            assertThat(order.get("payment").asText()).isEqualTo("REFUNDED");
            long charged = SUBTOTAL - 1000 - 200;
            assertThat(order.get("amountCents").asLong()).isEqualTo(charged);
            List<SpecificRecord> payments = stack.events(Topics.PAYMENTS_EVENTS.name(), orderId);
            assertThat(payments).filteredOn(PaymentCompleted.class::isInstance).hasSize(1);
            assertThat(payments).filteredOn(PaymentRefunded.class::isInstance).singleElement()
                    .satisfies(e -> assertThat(((PaymentRefunded) e).getAmountCents()).isEqualTo(charged));

            // And the customer is told once that the order was cancelled (never that it was confirmed)
            awaitNoticesFor(stack, orderId, "PAYMENT_RECEIVED", "ORDER_CANCELLED");
        }

        @Test
        @Order(2)
        void tooFewPointsCancelsTheOrderAndGivesTheLimitedCouponItsUseBack() throws Exception {
            // Given a customer with no points, and FLASH100's remaining uses
            String customer = "c-poor-flash";
            int remainingBefore = stack.coupon("FLASH100").get("remaining").asInt();

            // When they order with FLASH100 and redeem 100 points they do not have
            JsonNode order = stack.placeAndAwaitFinal(HttpJson.order(customer, "FLASH100", 100));

            // Then points-service rejects it and the saga compensates to CANCELLED
            assertThat(order.get("status").asText()).as("order %s", order).isEqualTo("CANCELLED");
            assertThat(order.get("reason").asText()).startsWith("POINTS_REJECTED").contains("INSUFFICIENT_BALANCE");
            assertThat(stepStates(order)).contains("PAYMENT=COMPENSATED", "POINTS=REJECTED")
                    // Redeemed then released, or (ReleaseCoupon first) locked and never redeemed.
                    .containsAnyOf("COUPON=COMPENSATED", "COUPON=REJECTED");
            assertThat(order.get("payment").asText()).isEqualTo("REFUNDED");

            // And FLASH100 has the use back; no points moved
            assertThat(stack.coupon("FLASH100").get("remaining").asInt()).isEqualTo(remainingBefore);
            assertThat(stack.balance(customer)).isZero();
            assertThat(stack.ledger(customer, order.get("orderId").asText())).isEmpty();
            awaitNoticesFor(stack, order.get("orderId").asText(), "PAYMENT_RECEIVED", "ORDER_CANCELLED");
        }

        @Test
        @Order(3)
        void tooFewPointsCancelsTheOrderAndTheCustomerCanUseWelcome10Again() throws Exception {
            // Given a fresh customer whose first WELCOME10 order is cancelled for lack of points
            String customer = "c-poor-welcome";
            JsonNode cancelled = stack.placeAndAwaitFinal(HttpJson.order(customer, "WELCOME10", 100));
            assertThat(cancelled.get("status").asText()).as("order %s", cancelled).isEqualTo("CANCELLED");
            assertThat(cancelled.get("reason").asText()).startsWith("POINTS_REJECTED");

            // When the same customer orders with WELCOME10 again
            JsonNode order = stack.placeAndAwaitFinal(HttpJson.order(customer, "WELCOME10", 0));

            // Then the coupon was released, not spent: once per customer still allows this order
            assertThat(order.get("status").asText()).as("order %s", order).isEqualTo("COMPLETED");
            assertThat(order.get("discountCents").asLong()).isEqualTo(1000);
            assertThat(stepStates(order)).contains("COUPON=SUCCEEDED");
            assertThat(stack.balance(customer)).isEqualTo((SUBTOTAL - 1000) / 100);
        }

        @Test
        @Order(Integer.MAX_VALUE)
        void theFourDatabasesTellOneConsistentStory() throws Exception {
            stack.assertInvariantsHold();
        }
    }

    // ---- a service does not answer -----------------------------------------------------------------

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class WhenPointsServiceIsDown {

        TestStack stack;

        @BeforeAll
        void start() throws Exception {
            stack = TestStack.start(Map.of("SAGA_STEP_DEADLINE", "3s", "SAGA_COMPENSATION_DEADLINE", "60s",
                    "ADMIN_TOKEN", ADMIN_TOKEN));
        }

        @AfterAll
        void stop() {
            if (stack != null) {
                stack.close();
            }
        }

        @Test
        @Order(1)
        void theSagaTimesOutCancelsAndThePointsServicesLateProcessingChangesNoBalance() throws Exception {
            // Given a customer with 300 points, and points-service stopped
            String customer = "c-offline";
            credit(stack, customer, 300);
            stack.services.stop("points-service");

            // When they order with WELCOME10, redeeming 100 points
            String orderId = stack.place(HttpJson.order(customer, "WELCOME10", 100));

            // Then after the 3 s step deadline the saga compensates (TIMEOUT): the payment is refunded and the
            // coupon released, while the undo of the points waits for points-service
            boolean restarted = false;
            try {
                JsonNode compensating = awaitOrder(stack, orderId, "COMPENSATING", Duration.ofSeconds(30),
                        o -> "REFUNDED".equals(o.get("payment").asText()));
                assertThat(compensating.get("reason").asText()).startsWith("TIMEOUT").contains("POINTS");
                await("CouponReleased for " + orderId).atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(stack.events(Topics.COUPON_EVENTS.name(), orderId))
                                .filteredOn(CouponReleased.class::isInstance).singleElement()
                                .satisfies(e -> assertThat(((CouponReleased) e).getReleased()).isTrue()));
                assertThat(stack.events(Topics.POINTS_COMMANDS.name(), orderId))
                        .as("the saga asked points-service to undo the points").singleElement()
                        .isInstanceOf(ReversePoints.class);

                // When points-service comes back (same database, same consumer group) and works off its backlog:
                // the order's PaymentCompleted and the saga's ReversePoints
                stack.services.restart("points-service");
                restarted = true;
            } finally {
                if (!restarted) {
                    stack.services.restart("points-service"); // for the invariant check, whatever failed
                }
            }

            // Then the saga gets the acknowledgement and the order ends CANCELLED
            JsonNode order = stack.awaitFinal(orderId, Duration.ofSeconds(60));
            assertThat(order.get("status").asText()).as("order %s", order).isEqualTo("CANCELLED");
            assertThat(order.get("reason").asText()).startsWith("TIMEOUT");
            assertThat(order.get("payment").asText()).isEqualTo("REFUNDED");
            assertThat(stepStates(order)).contains("PAYMENT=COMPENSATED", "COUPON=COMPENSATED")
                    // ReversePoints first: nothing applied, the order locked; or applied late and then reversed.
                    .containsAnyOf("POINTS=COMPENSATED", "POINTS=REJECTED");

            // And once points-service processed everything, the balance is unchanged: nothing redeemed, nothing earned
            stack.awaitGroupsCaughtUp(Topics.PAYMENTS_EVENTS.name(), "points-service");
            stack.awaitGroupsCaughtUp(Topics.POINTS_COMMANDS.name(), "points-service");
            stack.awaitGroupsCaughtUp(Topics.POINTS_EVENTS.name(), OrderService.SAGA_APPLICATION_ID /* the saga's group */);
            assertThat(stack.balance(customer)).isEqualTo(300);
            // Which of its two backlog records points-service applies first is up to the consumer's fetch order:
            // ReversePoints first locks the order and nothing is ever applied (no ledger rows, the usual case);
            // PaymentCompleted first applies the points and ReversePoints undoes every row right after.
            List<JsonNode> ledger = stack.ledger(customer, orderId);
            long undone = ledger.stream().filter(r -> r.get("kind").asText().equals("REVERSE")).count();
            assertThat(undone * 2).as("ledger rows of the cancelled order, each undone: %s", ledger).isEqualTo(ledger.size());
            assertThat(ledger.stream().mapToLong(r -> r.get("delta").asLong()).sum()).as("net points of %s", ledger).isZero();
            System.out.printf("SagaFailureIT: points-service applied %s first after its restart (ledger rows of the order: %d)%n",
                    ledger.isEmpty() ? "ReversePoints" : "PaymentCompleted", ledger.size());

            // And the order stays CANCELLED, the coupon free again for this customer
            assertThat(HttpJson.get(stack.url("order-service", "/orders/" + orderId)).body().get("status").asText())
                    .isEqualTo("CANCELLED");
            JsonNode again = stack.placeAndAwaitFinal(HttpJson.order(customer, "WELCOME10", 0));
            assertThat(again.get("status").asText()).as("order %s", again).isEqualTo("COMPLETED");
            awaitNoticesFor(stack, orderId, "PAYMENT_RECEIVED", "ORDER_CANCELLED");
        }

        @Test
        @Order(Integer.MAX_VALUE)
        void theFourDatabasesTellOneConsistentStory() throws Exception {
            stack.assertInvariantsHold();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------

    private static void credit(TestStack stack, String customer, long points) throws Exception {
        HttpJson.Reply reply = HttpJson.post(stack.url("points-service", "/customers/" + customer + "/points"),
                "{\"delta\":" + points + ",\"reason\":\"test credit\"}", "Authorization", "Bearer " + ADMIN_TOKEN);
        assertThat(reply.status()).as(reply.raw().body()).isEqualTo(200);
        assertThat(reply.body().get("balance").asLong()).isEqualTo(points);
    }

    private static List<String> stepStates(JsonNode order) {
        List<String> states = new ArrayList<>();
        order.get("steps").forEach(s -> states.add(s.get("step").asText() + "=" + s.get("state").asText()));
        return states;
    }

    private static List<String> statuses(JsonNode order) {
        List<String> statuses = new ArrayList<>();
        order.get("timeline").forEach(s -> statuses.add(s.get("status").asText()));
        return statuses;
    }

    private static JsonNode awaitOrder(TestStack stack, String orderId, String status, Duration atMost,
                                       java.util.function.Predicate<JsonNode> also) {
        JsonNode[] last = {null};
        await("order " + orderId + " " + status).atMost(atMost).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            last[0] = HttpJson.get(stack.url("order-service", "/orders/" + orderId)).body();
            assertThat(last[0].get("status").asText()).as("order %s", last[0]).isEqualTo(status);
            assertThat(also.test(last[0])).as("order %s", last[0]).isTrue();
        });
        return last[0];
    }

    /** Waits until notification-service processed every status change, then checks the order's notices exactly. */
    private static void awaitNoticesFor(TestStack stack, String orderId, String... kinds) throws Exception {
        await("notices of " + orderId).atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThat(stack.notifications(orderId)).hasSizeGreaterThanOrEqualTo(kinds.length));
        stack.awaitGroupsCaughtUp(Topics.ORDERS_STATUS.name(), "notification-service");
        stack.awaitGroupsCaughtUp(Topics.PAYMENTS_EVENTS.name(), "notification-service");
        List<String> got = new ArrayList<>();
        stack.notifications(orderId).forEach(n -> got.add(n.get("kind").asText()));
        assertThat(got).as("notices of order %s", orderId).containsExactlyInAnyOrder(kinds);
    }
}
