package io.orderflow.notification;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.testing.RoundTrips;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins the database round trips of notification-service (issue 10): statements per consumed record (the handler,
 * in the consumer's transaction; the inbox's statement per batch is platform's) and statements + transactions per
 * dispatched notice. A change that adds a statement per record or a commit per notice fails here.
 */
class NotificationRoundTripsTest {

    private static final TestDatabases DATABASES = new TestDatabases(NotificationServiceConfig.SERVICE_NAME);

    private final RoundTrips trips = new RoundTrips();
    /** Transactions of the dispatcher: each call of {@link PendingNotifications} runs in one of its own. */
    private final AtomicInteger transactions = new AtomicInteger();
    private final Map<String, Integer> sends = new ConcurrentHashMap<>();
    private final NotificationHandler handler = new NotificationHandler(new NotificationLog(), () -> { });

    static Stream<TestDb> databases() {
        return DATABASES.all();
    }

    @AfterAll
    static void closeDatabases() {
        DATABASES.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void oneStatementPerRecordThatMakesANotificationNoneForTheOthers(TestDb t) throws Exception {
        String order = NotificationHandlerTest.id("order");
        var payment = NotificationHandlerTest.payment(order, "cust-rt", 100, "EUR");

        assertThat(statements(t.db(), payment)).as("PaymentCompleted").isLessThanOrEqualTo(1);
        assertThat(statements(t.db(), payment)).as("PaymentCompleted redelivered").isLessThanOrEqualTo(1);
        assertThat(statements(t.db(), NotificationHandlerTest.status(order, OrderStatus.PENDING, null)))
                .as("OrderStatusChanged PENDING").isZero();
        assertThat(statements(t.db(), NotificationHandlerTest.status(order, OrderStatus.COMPLETED, null)))
                .as("OrderStatusChanged COMPLETED").isLessThanOrEqualTo(1);
        assertThat(statements(t.db(), NotificationHandlerTest.status(order, OrderStatus.COMPLETED, null)))
                .as("OrderStatusChanged COMPLETED again (same kind, new event)").isLessThanOrEqualTo(1);
        assertThat(statements(t.db(), NotificationHandlerTest.status(NotificationHandlerTest.id("order"),
                OrderStatus.CANCELLED, "COUPON_REJECTED"))).as("OrderStatusChanged CANCELLED").isLessThanOrEqualTo(1);
        assertThat(statements(t.db(), NotificationHandlerTest.status(NotificationHandlerTest.id("order"),
                OrderStatus.FAILED, null))).as("OrderStatusChanged FAILED").isLessThanOrEqualTo(1);
        assertThat(statements(t.db(), refund(order))).as("PaymentRefunded").isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aDispatchedBatchTakesTwoStatementsInTwoTransactionsWhateverItsSize(TestDb t) throws Exception {
        NotificationDispatcher dispatcher = dispatcher(t.db(), 10, (key, n) -> sends.merge(key, 1, Integer::sum));
        drain(t.db(), dispatcher); // what earlier tests left in this database

        for (int size : new int[] {1, 10}) {
            List<String> keys = record(t.db(), size);
            trips.reset();
            transactions.set(0);

            assertThat(dispatcher.dispatchOnce()).isEqualTo(size);

            System.out.printf("dispatch of %d: %d statements, %d transactions%n", size, trips.count(), transactions.get());
            assertThat(keys).allSatisfy(key -> assertThat(sends.get(key)).isEqualTo(1));
            assertThat(trips.count()).as("statements for a batch of %d", size).isLessThanOrEqualTo(2);
            assertThat(transactions).as("transactions for a batch of %d", size).hasValueLessThanOrEqualTo(2);
        }
        trips.reset();
        transactions.set(0);
        assertThat(dispatcher.dispatchOnce()).isZero();
        assertThat(trips.count()).as("statements when nothing is due").isLessThanOrEqualTo(1);
        assertThat(transactions).as("transactions when nothing is due").hasValueLessThanOrEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aFailedSendAddsOneStatementForItsRetry(TestDb t) throws Exception {
        List<String> failing = new ArrayList<>();
        NotificationDispatcher dispatcher = dispatcher(t.db(), 10, (key, n) -> {
            if (failing.contains(key)) {
                throw new IllegalStateException("provider answered 503");
            }
            sends.merge(key, 1, Integer::sum);
        });
        drain(t.db(), dispatcher);
        List<String> keys = record(t.db(), 10);
        failing.add(keys.get(3));
        trips.reset();
        transactions.set(0);

        assertThat(dispatcher.dispatchOnce()).isEqualTo(10);

        System.out.printf("dispatch of 10, 1 failed: %d statements, %d transactions%n", trips.count(), transactions.get());
        assertThat(trips.count()).isLessThanOrEqualTo(3);
        assertThat(transactions).hasValueLessThanOrEqualTo(3);
    }

    private int statements(Database db, SpecificRecord event) throws Exception {
        trips.reset();
        db.inTransaction(tx -> {
            handler.handle(consumed(event), trips.wrap(tx));
            return null;
        });
        System.out.printf("%s %s: %d statements%n", event.getSchema().getName(),
                event instanceof OrderStatusChanged s ? s.getStatus() : "", trips.count());
        return trips.count();
    }

    private NotificationDispatcher dispatcher(Database db, int batchSize, NotificationSender sender) {
        PendingNotifications counted = new PendingNotifications(tx -> {
            transactions.incrementAndGet();
            return trips.wrap(tx);
        });
        return new NotificationDispatcher("test", db, counted, sender,
                new NotificationDispatcher.Settings(batchSize, Duration.ofMinutes(1), Duration.ofSeconds(1)));
    }

    private static void drain(Database db, NotificationDispatcher dispatcher) throws Exception {
        while (dispatcher.dispatchOnce() > 0) {
            // next round
        }
    }

    /** Records {@code count} notifications as the consumer would; returns their idempotency keys. */
    private List<String> record(Database db, int count) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            var payment = NotificationHandlerTest.payment(NotificationHandlerTest.id("order"), "cust-rt", 100, "EUR");
            db.inTransaction(tx -> {
                handler.handle(consumed(payment), tx);
                return null;
            });
            keys.add("orderflow-notification-" + payment.getEventId());
        }
        return keys;
    }

    private static PaymentRefunded refund(String orderId) {
        return PaymentRefunded.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setPaymentId("pay-" + orderId).setCustomerId("cust-rt")
                .setCurrency("EUR").setAmountCents(100).setReason("cancelled").build();
    }

    private static ConsumedEvent consumed(SpecificRecord event) {
        String orderId = String.valueOf(event.get(event.getSchema().getField("orderId").pos()));
        String eventId = String.valueOf(event.get(event.getSchema().getField("eventId").pos()));
        var topic = event instanceof OrderStatusChanged ? Topics.ORDERS_STATUS : Topics.PAYMENTS_EVENTS;
        return new ConsumedEvent(topic.name(), 0, 0, orderId, eventId, event);
    }
}
