package io.orderflow.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
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

/** "Recorded once per event, sent once after the commit", in real transactions on PostgreSQL. */
class NotificationHandlerTest {

    private static final TestDatabases DATABASES = new TestDatabases(NotificationServiceConfig.SERVICE_NAME);

    private final AtomicInteger wakeups = new AtomicInteger();
    private final Map<String, Integer> sends = new ConcurrentHashMap<>();
    private final NotificationLog log = new NotificationLog();
    private final NotificationHandler handler = new NotificationHandler(log, wakeups::incrementAndGet);

    static Stream<TestDb> databases() {
        return DATABASES.all();
    }

    @AfterAll
    static void closeDatabases() {
        DATABASES.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void oneNotificationPerEventRecordedToBeSent(TestDb t) throws Exception {
        String order = id("order");

        apply(t.db(), payment(order, "cust-1", 2998, "USD"));
        apply(t.db(), status(order, OrderStatus.PENDING, null));
        apply(t.db(), status(order, OrderStatus.COMPLETED, null));

        assertThat(stored(t.db(), order)).extracting(s -> s.notification().kind())
                .containsExactly(Notification.Kind.PAYMENT_RECEIVED, Notification.Kind.ORDER_CONFIRMED);
        assertThat(stored(t.db(), order)).allSatisfy(s -> {
            assertThat(s.status()).isEqualTo("PENDING");
            assertThat(s.sentAt()).isNull();
        });
        assertThat(wakeups).as("the dispatcher is woken after each commit that recorded one").hasValue(2);
        assertThat(stored(t.db(), order).get(0).notification().message())
                .isEqualTo("We received your payment of 29.98 USD for order " + order + ".");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aDuplicateEventIsNeitherStoredNorSentTwice(TestDb t) throws Exception {
        String order = id("order");
        OrderStatusChanged cancelled = status(order, OrderStatus.CANCELLED, "COUPON_REJECTED: SOLD_OUT");

        apply(t.db(), cancelled);
        apply(t.db(), cancelled); // redelivered: same eventId
        apply(t.db(), status(order, OrderStatus.CANCELLED, "COUPON_REJECTED: SOLD_OUT")); // same news, new eventId
        dispatchAll(t.db());

        assertThat(stored(t.db(), order)).singleElement().satisfies(s -> {
            assertThat(s.notification().kind()).isEqualTo(Notification.Kind.ORDER_CANCELLED);
            assertThat(s.notification().sourceEventId()).isEqualTo(cancelled.getEventId());
            assertThat(s.notification().message()).endsWith("refund issued: COUPON_REJECTED: SOLD_OUT");
            assertThat(s.status()).isEqualTo("SENT");
        });
        assertThat(sends).containsEntry("orderflow-notification-" + cancelled.getEventId(), 1);
    }

    /**
     * What the consumer loop does when a batch fails: roll it back, then apply its records one by one.
     * The notifications of the rolled-back attempt were never sent; each is sent once after its commit.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aBatchThatRollsBackAndIsReplayedOneByOneSendsEachNotificationOnce(TestDb t) throws Exception {
        String order = id("order");
        List<SpecificRecord> batch = List.of(payment(order, "cust-1", 100, "EUR"), status(order, OrderStatus.COMPLETED, null));

        assertThatThrownBy(() -> t.db().inTransaction(tx -> {
            for (SpecificRecord event : batch) {
                handler.handle(consumed(event), tx);
            }
            throw new IllegalStateException("a later record of the batch failed");
        })).hasMessageContaining("later record");
        assertThat(wakeups).as("no wake-up for a rolled-back transaction").hasValue(0);
        for (SpecificRecord event : batch) {
            apply(t.db(), event);
        }
        dispatchAll(t.db());

        for (SpecificRecord event : batch) {
            assertThat(sends.get("orderflow-notification-" + event.get(0))).as("sends of %s", event.getSchema().getName())
                    .isEqualTo(1);
        }
        assertThat(stored(t.db(), order)).extracting(NotificationLog.Stored::status).containsExactly("SENT", "SENT");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void findsACustomersNotificationsNewestFirst(TestDb t) throws Exception {
        String customer = id("cust");
        String first = id("order");
        String second = id("order");
        apply(t.db(), payment(first, customer, 100, "EUR"));
        apply(t.db(), payment(second, customer, 200, "EUR"));

        List<NotificationLog.Stored> found = t.db().read(tx -> log.forCustomer(tx, customer, 100));

        assertThat(found).extracting(s -> s.notification().orderId()).containsExactly(second, first);
    }

    /** Sends whatever is pending in this database, as the running dispatcher would. */
    private void dispatchAll(Database db) throws Exception {
        NotificationDispatcher dispatcher = new NotificationDispatcher("test", db, new PendingNotifications(),
                (key, n) -> sends.merge(key, 1, Integer::sum),
                new NotificationDispatcher.Settings(1000, Duration.ofMinutes(1), Duration.ofSeconds(1)));
        while (dispatcher.dispatchOnce() > 0) {
            // one round claims every due row of these tests
        }
    }

    private void apply(Database db, SpecificRecord event) throws Exception {
        db.inTransaction(tx -> {
            handler.handle(consumed(event), tx);
            return null;
        });
    }

    private static ConsumedEvent consumed(SpecificRecord event) {
        String orderId = String.valueOf(event.get(event.getSchema().getField("orderId").pos()));
        String eventId = String.valueOf(event.get(event.getSchema().getField("eventId").pos()));
        var topic = event instanceof OrderStatusChanged ? Topics.ORDERS_STATUS : Topics.PAYMENTS_EVENTS;
        return new ConsumedEvent(topic.name(), 0, 0, orderId, eventId, event);
    }

    private List<NotificationLog.Stored> stored(Database db, String order) throws Exception {
        return db.read(tx -> log.forOrder(tx, order));
    }

    static PaymentCompleted payment(String orderId, String customerId, long amountCents, String currency) {
        return PaymentCompleted.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setPaymentId("pay-" + orderId).setCustomerId(customerId)
                .setCurrency(currency).setSubtotalCents(amountCents).setCouponCode(null).setDiscountCents(0)
                .setPointsRedeemed(0).setAmountCents(amountCents).build();
    }

    static OrderStatusChanged status(String orderId, OrderStatus status, String reason) {
        return OrderStatusChanged.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setCustomerId("cust-1").setStatus(status).setPreviousStatus(null)
                .setReason(reason).setSteps(List.of()).build();
    }

    static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
