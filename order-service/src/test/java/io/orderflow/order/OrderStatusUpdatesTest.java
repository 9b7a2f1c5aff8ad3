package io.orderflow.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.SagaStep;
import io.orderflow.events.StepOutcome;
import io.orderflow.events.StepState;
import io.orderflow.order.api.PlaceOrderRequest;
import io.orderflow.order.catalog.CouponView;
import io.orderflow.order.payment.SimulatedPaymentGateway;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.InMemorySchemaRegistryClient;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.platform.testing.RoundTrips;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** How the saga's status changes reach the orders table and the order's waiters, in real transactions. */
class OrderStatusUpdatesTest {

    private static final TestDatabases DATABASES = new TestDatabases(OrderServiceConfig.SERVICE_NAME);
    private static final CouponView NO_COUPONS = new CouponView("127.0.0.1:1", "test-catalog",
            new AvroSerde(new InMemorySchemaRegistryClient()).deserializer());

    static Stream<TestDb> databases() {
        return DATABASES.all();
    }

    @AfterAll
    static void close() {
        DATABASES.close();
        NO_COUPONS.close();
    }

    /**
     * A long-poll waiter (the loop of {@code GET /orders/{id}?waitSeconds=}) is woken once the status
     * is committed, and its one read after the wake-up sees the final status. The periodic recheck is
     * a minute here, so only the wake-up can end the wait in time.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aWaiterIsWokenAfterTheCommitAndReadsTheNewStatus(TestDb t) throws Exception {
        OrderWaiters waiters = new OrderWaiters(Duration.ofMinutes(1));
        OrderEventHandler handler = handler(waiters);
        String orderId = placeOrder(t);
        Semaphore reads = new Semaphore(0);
        AtomicReference<String> answered = new AtomicReference<>();
        Thread waiter = new Thread(() -> answered.set(longPoll(t, waiters, orderId, reads)), "long-poll");
        waiter.start();
        assertThat(reads.tryAcquire(10, TimeUnit.SECONDS)).as("the waiter read the order once").isTrue();
        await("the waiter waits").atMost(Duration.ofSeconds(10))
                .until(() -> waiter.getState() == Thread.State.TIMED_WAITING);

        boolean[] readBeforeCommit = {false};
        t.db().inTransaction(tx -> {
            handler.handle(event(orderId, status(orderId, OrderStatus.PENDING, OrderStatus.COMPLETED, List.of())), tx);
            // Woken now, the waiter would read PENDING (not committed yet) and go back to sleep for a minute.
            readBeforeCommit[0] = reads.tryAcquire(2, TimeUnit.SECONDS);
            return null;
        });
        waiter.join(TimeUnit.SECONDS.toMillis(20));

        assertThat(readBeforeCommit[0]).as("the waiter was woken before the commit").isFalse();
        assertThat(answered.get()).as("what the long poll answered after its wake-up").isEqualTo("COMPLETED");
        assertThat(reads.availablePermits()).as("reads after the wake-up").isEqualTo(1);
    }

    @Test
    void oneCallerFinishingDoesNotStrandAnotherWaitingOnTheSameOrder() throws Exception {
        OrderWaiters waiters = new OrderWaiters(Duration.ofMinutes(1));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Thread first = new Thread(() -> awaitQuietly(waiters, deadline), "first");
        Thread second = new Thread(() -> awaitQuietly(waiters, deadline), "second");
        first.start();
        second.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> first.getState() == Thread.State.TIMED_WAITING
                && second.getState() == Thread.State.TIMED_WAITING);

        waiters.done("order-1"); // e.g. a third caller's long poll ended
        waiters.changed("order-1");

        first.join(TimeUnit.SECONDS.toMillis(10));
        second.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(first.isAlive() || second.isAlive()).as("a waiter still asleep after the wake-up").isFalse();
        assertThat(waiters.watchedOrders()).as("monitors left behind").isZero();
    }

    private static void awaitQuietly(OrderWaiters waiters, long deadline) {
        try {
            waiters.awaitChange("order-1", deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aFailedOrderTakesLateStepUpdatesButItsStatusNeverChanges(TestDb t) throws Exception {
        OrderEventHandler handler = handler(new OrderWaiters());
        String orderId = placeOrder(t);
        List<StepOutcome> owed = List.of(step(SagaStep.PAYMENT, StepState.FAILED), step(SagaStep.POINTS, StepState.FAILED));
        List<StepOutcome> acknowledged = List.of(step(SagaStep.PAYMENT, StepState.COMPENSATED),
                step(SagaStep.POINTS, StepState.FAILED));
        apply(t, handler, status(orderId, OrderStatus.COMPENSATING, OrderStatus.FAILED, owed));

        apply(t, handler, status(orderId, OrderStatus.FAILED, OrderStatus.FAILED, acknowledged));
        apply(t, handler, status(orderId, OrderStatus.COMPENSATING, OrderStatus.CANCELLED, acknowledged));

        OrderRecord stored = t.db().read(c -> Orders.find(c, orderId)).orElseThrow();
        assertThat(stored.status()).isEqualTo("FAILED");
        assertThat(stored.steps()).extracting(OrderRecord.Step::state).containsExactly("COMPENSATED", "FAILED");
        assertThat(stored.history()).extracting(OrderRecord.StatusChange::status).containsExactly("PENDING", "FAILED");
    }

    /** Every order gets at least one status change: the update and its history row are one round trip. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aStatusChangeIsOneRoundTripWithItsHistoryRow(TestDb t) throws Exception {
        OrderEventHandler handler = handler(new OrderWaiters());
        String orderId = placeOrder(t);
        RoundTrips trips = new RoundTrips();

        t.db().inTransaction(tx -> {
            handler.handle(event(orderId, status(orderId, OrderStatus.PENDING, OrderStatus.CANCELLED, List.of())),
                    trips.wrap(tx));
            return null;
        });
        assertThat(trips.count()).as("round trips of a status change").isEqualTo(1);
        trips.reset();
        t.db().inTransaction(tx -> {
            handler.handle(event(orderId, status(orderId, OrderStatus.PENDING, OrderStatus.COMPLETED, List.of())),
                    trips.wrap(tx));
            return null;
        });
        assertThat(trips.count()).as("round trips of a change refused (the order is final)").isEqualTo(1);

        OrderRecord stored = t.db().read(c -> Orders.find(c, orderId)).orElseThrow();
        assertThat(stored.status()).isEqualTo("CANCELLED");
        assertThat(stored.history()).extracting(OrderRecord.StatusChange::status, OrderRecord.StatusChange::reason)
                .containsExactly(tuple("PENDING", null), tuple("CANCELLED", "POINTS_REJECTED: test"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void onlyAFailedOrderTakesStepUpdates(TestDb t) throws Exception {
        OrderEventHandler handler = handler(new OrderWaiters());
        String orderId = placeOrder(t);
        apply(t, handler, status(orderId, OrderStatus.COMPENSATING, OrderStatus.CANCELLED, List.of()));

        apply(t, handler, status(orderId, OrderStatus.FAILED, OrderStatus.FAILED,
                List.of(step(SagaStep.POINTS, StepState.COMPENSATED))));

        OrderRecord stored = t.db().read(c -> Orders.find(c, orderId)).orElseThrow();
        assertThat(stored.status()).isEqualTo("CANCELLED");
        assertThat(stored.steps()).isEmpty();
    }

    /** The loop of a long-polling GET: read, answer if final, else wait for a wake-up (or the recheck). */
    private static String longPoll(TestDb t, OrderWaiters waiters, String orderId, Semaphore reads) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        try {
            while (true) {
                OrderRecord order = t.db().read(c -> Orders.find(c, orderId)).orElseThrow();
                reads.release();
                if (order.isFinal() || System.nanoTime() >= deadline) {
                    return order.status();
                }
                waiters.awaitChange(orderId, deadline);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            waiters.done(orderId);
        }
    }

    private static OrderEventHandler handler(OrderWaiters waiters) {
        return new OrderEventHandler(new Outbox(() -> { }), new SimulatedPaymentGateway(100_000), waiters);
    }

    private static String placeOrder(TestDb t) throws Exception {
        Checkout checkout = new Checkout(t.db(), new Outbox(() -> { }), new SimulatedPaymentGateway(100_000), NO_COUPONS);
        return checkout.place(new PlaceOrderRequest("c-" + UUID.randomUUID(), "USD",
                List.of(new PlaceOrderRequest.Item("BOOK-1", 1, 1999)), null, 0), null, "h").order().orderId();
    }

    private static void apply(TestDb t, OrderEventHandler handler, OrderStatusChanged change) throws Exception {
        t.db().inTransaction(tx -> {
            handler.handle(event(change.getOrderId(), change), tx);
            return null;
        });
    }

    private static ConsumedEvent event(String orderId, OrderStatusChanged change) {
        return new ConsumedEvent("orders.status", 0, 0, orderId, change.getEventId(), change);
    }

    private static OrderStatusChanged status(String orderId, OrderStatus previous, OrderStatus status,
                                             List<StepOutcome> steps) {
        return OrderStatusChanged.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setCustomerId("c-1").setStatus(status).setPreviousStatus(previous)
                .setReason(status == OrderStatus.COMPLETED ? null : "POINTS_REJECTED: test").setSteps(steps).build();
    }

    private static StepOutcome step(SagaStep step, StepState state) {
        return StepOutcome.newBuilder().setStep(step).setState(state).setDetail(null).setUpdatedAt(Instant.now()).build();
    }
}
