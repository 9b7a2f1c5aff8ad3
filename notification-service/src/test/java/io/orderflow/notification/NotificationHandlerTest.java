package io.orderflow.notification;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.db.Database;
import io.orderflow.schemas.Topics;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** "Never twice for one event", in real transactions on PostgreSQL. */
class NotificationHandlerTest {

    private static final TestDatabases DATABASES = new TestDatabases(NotificationServiceConfig.SERVICE_NAME);

    private final List<Notification> sent = new CopyOnWriteArrayList<>();
    private final NotificationLog log = new NotificationLog();
    private final NotificationHandler handler = new NotificationHandler(log, sent::add);

    static Stream<TestDb> databases() {
        return DATABASES.all();
    }

    @AfterAll
    static void closeDatabases() {
        DATABASES.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void oneNotificationPerEvent(TestDb t) throws Exception {
        String order = id("order");

        apply(t.db(), payment(order, "cust-1", 2998, "USD"));
        apply(t.db(), status(order, OrderStatus.PENDING, null));
        apply(t.db(), status(order, OrderStatus.COMPLETED, null));

        assertThat(stored(t.db(), order)).extracting(Notification::kind)
                .containsExactly(Notification.Kind.PAYMENT_RECEIVED, Notification.Kind.ORDER_CONFIRMED);
        assertThat(sent).extracting(Notification::orderId).containsExactly(order, order);
        assertThat(stored(t.db(), order).get(0).message()).isEqualTo("We received your payment of 29.98 USD for order "
                + order + ".");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aDuplicateEventIsNeitherStoredNorSentTwice(TestDb t) throws Exception {
        String order = id("order");
        OrderStatusChanged cancelled = status(order, OrderStatus.CANCELLED, "COUPON_REJECTED: SOLD_OUT");

        apply(t.db(), cancelled);
        apply(t.db(), cancelled); // redelivered: same eventId
        apply(t.db(), status(order, OrderStatus.CANCELLED, "COUPON_REJECTED: SOLD_OUT")); // same news, new eventId

        assertThat(stored(t.db(), order)).singleElement().satisfies(n -> {
            assertThat(n.kind()).isEqualTo(Notification.Kind.ORDER_CANCELLED);
            assertThat(n.sourceEventId()).isEqualTo(cancelled.getEventId());
            assertThat(n.message()).endsWith("refund issued: COUPON_REJECTED: SOLD_OUT");
        });
        assertThat(sent).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void findsACustomersNotificationsNewestFirst(TestDb t) throws Exception {
        String customer = id("cust");
        String first = id("order");
        String second = id("order");
        apply(t.db(), payment(first, customer, 100, "EUR"));
        apply(t.db(), payment(second, customer, 200, "EUR"));

        List<Notification> found = t.db().read(tx -> log.forCustomer(tx, customer, 100));

        assertThat(found).extracting(Notification::orderId).containsExactly(second, first);
    }

    private void apply(Database db, SpecificRecord event) throws Exception {
        String orderId = String.valueOf(event.get(event.getSchema().getField("orderId").pos()));
        String eventId = String.valueOf(event.get(event.getSchema().getField("eventId").pos()));
        var topic = event instanceof OrderStatusChanged ? Topics.ORDERS_STATUS : Topics.PAYMENTS_EVENTS;
        db.inTransaction(tx -> {
            handler.handle(new ConsumedEvent(topic.name(), 0, 0, orderId, eventId, event), tx);
            return null;
        });
    }

    private List<Notification> stored(Database db, String order) throws Exception {
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

    private static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
