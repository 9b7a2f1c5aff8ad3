package io.orderflow.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.RefundPayment;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.order.api.PlaceOrderRequest;
import io.orderflow.order.catalog.CouponView;
import io.orderflow.order.payment.PaymentGateway;
import io.orderflow.order.payment.SimulatedPaymentGateway;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.InMemorySchemaRegistryClient;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.platform.testing.OutboxRows;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import io.orderflow.schemas.Topics;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Checkout, status updates and refunds against the real SQL, on PostgreSQL. */
class CheckoutDatabaseTest {

    private static final TestDatabases DATABASES = new TestDatabases(OrderServiceConfig.SERVICE_NAME);
    // Never started: checkout reads it only for coupon codes, and these orders have none.
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

    private static PlaceOrderRequest order(String customer, long unitPrice) {
        return new PlaceOrderRequest(customer, "USD", List.of(new PlaceOrderRequest.Item("BOOK-1", 2, unitPrice)), null, 0);
    }

    private static Checkout checkout(TestDb t) {
        return new Checkout(t.db(), new Outbox(() -> { }), new SimulatedPaymentGateway(100_000), NO_COUPONS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void anOrderItsPaymentAndItsEventAreWrittenTogether(TestDb t) throws Exception {
        Checkout.Placed placed = checkout(t).place(order("c-" + UUID.randomUUID(), 1999), null, "h");

        String orderId = placed.order().orderId();
        OrderRecord stored = t.db().read(c -> Orders.find(c, orderId)).orElseThrow();
        assertThat(stored.status()).isEqualTo("PENDING");
        assertThat(stored.paymentStatus()).isEqualTo("CAPTURED");
        assertThat(stored.amountCents()).isEqualTo(3998);
        assertThat(OutboxRows.forKey(t.db(), orderId, PaymentCompleted.class))
                .singleElement().satisfies(e -> assertThat(e.getAmountCents()).isEqualTo(3998));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aDeclinedPaymentWritesNothing(TestDb t) throws Exception {
        String customer = "c-" + UUID.randomUUID();

        Problem declined = catchThrowableOfType(Problem.class, () -> checkout(t).place(order(customer, 60_000), null, "h"));

        assertThat(declined.status()).isEqualTo(402);
        long rows = t.db().read(c -> {
            try (var ps = c.prepareStatement("SELECT COUNT(*) FROM orders WHERE customer_id = ?")) {
                ps.setString(1, customer);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
        assertThat(rows).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void theSameIdempotencyKeyReturnsTheFirstOrderAndAnotherRequestIsRefused(TestDb t) throws Exception {
        String key = "k-" + UUID.randomUUID();
        Checkout.Placed first = checkout(t).place(order("c-1", 1999), key, "hash-a");
        Checkout.Placed again = checkout(t).place(order("c-1", 1999), key, "hash-a");
        Problem other = catchThrowableOfType(Problem.class, () -> checkout(t).place(order("c-1", 5), key, "hash-b"));

        assertThat(first.created()).isTrue();
        assertThat(again.created()).isFalse();
        assertThat(again.order().orderId()).isEqualTo(first.order().orderId());
        assertThat(other.status()).isEqualTo(422);
        assertThat(OutboxRows.forKey(t.db(), first.order().orderId(), PaymentCompleted.class)).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aRetryIsAnsweredWithTheFirstOrderEvenIfItWouldNowBeRefused(TestDb t) throws Exception {
        String key = "k-" + UUID.randomUUID();
        Checkout.Placed first = checkout(t).place(order("c-3", 1999), key, "hash-a");
        // The card limit fell below the order's amount since: a new order would be declined, the retry is not.
        Checkout lowerLimit = new Checkout(t.db(), new Outbox(() -> { }), new SimulatedPaymentGateway(100), NO_COUPONS);

        Checkout.Placed again = lowerLimit.place(order("c-3", 1999), key, "hash-a");
        Problem other = catchThrowableOfType(Problem.class, () -> lowerLimit.place(order("c-3", 1999), key, "hash-b"));

        assertThat(again.created()).isFalse();
        assertThat(again.order().orderId()).isEqualTo(first.order().orderId());
        assertThat(other.status()).isEqualTo(422);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aConcurrentRequestWithTheSameKeyIsAnsweredWithTheWinnersOrder(TestDb t) throws Exception {
        String key = "k-" + UUID.randomUUID();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String winnerId = UUID.randomUUID().toString();
        OrderRecord winner = new OrderRecord(winnerId, "c-4", "USD", "PENDING", null, 3998, null, 0, 0, 3998,
                List.of(new OrderRecord.Item("BOOK-1", 2, 1999)), List.of(), List.of(), "CAPTURED", now, now);
        Outbox outbox = new Outbox(() -> { });
        Outbox.Row event = outbox.row(Topics.PAYMENTS_EVENTS, winnerId, PaymentCompleted.newBuilder()
                .setEventId(UUID.randomUUID().toString()).setOrderId(winnerId).setOccurredAt(now).setPaymentId("pay-w")
                .setCustomerId("c-4").setCurrency("USD").setSubtotalCents(3998).setCouponCode(null).setDiscountCents(0)
                .setPointsRedeemed(0).setAmountCents(3998).build());
        ExecutorService loser = Executors.newSingleThreadExecutor();
        try (Connection winnerTx = t.db().dataSource().getConnection()) {
            // The winner has written its order with the key but not committed yet ...
            assertThat(Orders.place(winnerTx, winner, key, "hash-a", new PaymentGateway.Capture("pay-w", now), event))
                    .isEmpty();
            // ... when the same request arrives again: it does not see the winner's row, and its insert waits on the key.
            Future<Checkout.Placed> second = loser.submit(() -> checkout(t).place(order("c-4", 1999), key, "hash-a"));
            await().atMost(Duration.ofSeconds(30)).until(() -> waitingForALock(t));
            winnerTx.commit();

            Checkout.Placed placed = second.get(30, TimeUnit.SECONDS);
            assertThat(placed.created()).isFalse();
            assertThat(placed.order().orderId()).isEqualTo(winnerId);
        } finally {
            loser.shutdownNow();
        }
        assertThat(OutboxRows.forKey(t.db(), winnerId, PaymentCompleted.class)).hasSize(1);
        assertThat(count(t, "SELECT COUNT(*) FROM payments WHERE customer_id = 'c-4'")).isEqualTo(1);
        assertThat(count(t, "SELECT COUNT(*) FROM outbox WHERE event_type = 'io.orderflow.events.PaymentCompleted' "
                + "AND record_key NOT IN (SELECT order_id FROM orders)")).isZero();
    }

    private static boolean waitingForALock(TestDb t) throws Exception {
        return count(t, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND wait_event_type = 'Lock'") > 0;
    }

    private static long count(TestDb t, String sql) throws Exception {
        return t.db().read(c -> {
            try (var ps = c.prepareStatement(sql); var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aFinalStatusNeverChangesAndARefundIsMadeOnce(TestDb t) throws Exception {
        String orderId = checkout(t).place(order("c-2", 1999), null, "h").order().orderId();
        OrderEventHandler handler = new OrderEventHandler(new Outbox(() -> { }), new SimulatedPaymentGateway(100_000),
                new OrderWaiters());

        apply(t, handler, orderId, status(orderId, OrderStatus.CANCELLED));
        apply(t, handler, orderId, status(orderId, OrderStatus.COMPLETED));
        apply(t, handler, orderId, refund(orderId));
        apply(t, handler, orderId, refund(orderId));

        OrderRecord stored = t.db().read(c -> Orders.find(c, orderId)).orElseThrow();
        assertThat(stored.status()).isEqualTo("CANCELLED");
        assertThat(stored.paymentStatus()).isEqualTo("REFUNDED");
        assertThat(stored.history()).extracting(OrderRecord.StatusChange::status).containsExactly("PENDING", "CANCELLED");
        // Each command is acknowledged, but the money moved once: both acks name the one payment, refunded once.
        String paymentId = OutboxRows.forKey(t.db(), orderId, PaymentCompleted.class).get(0).getPaymentId();
        assertThat(OutboxRows.forKey(t.db(), orderId, PaymentRefunded.class)).hasSize(2)
                .extracting(PaymentRefunded::getPaymentId).containsOnly(paymentId);
    }

    private static void apply(TestDb t, OrderEventHandler handler, String orderId,
                              org.apache.avro.specific.SpecificRecord event) throws Exception {
        ConsumedEvent consumed = new ConsumedEvent("test", 0, 0, orderId, UUID.randomUUID().toString(), event);
        t.db().inTransaction(tx -> {
            handler.handle(consumed, tx);
            return null;
        });
    }

    private static OrderStatusChanged status(String orderId, OrderStatus status) {
        return OrderStatusChanged.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setCustomerId("c-2").setStatus(status).setPreviousStatus(OrderStatus.PENDING)
                .setReason(status == OrderStatus.CANCELLED ? "POINTS_REJECTED: test" : null).setSteps(List.of()).build();
    }

    private static RefundPayment refund(String orderId) {
        return RefundPayment.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setReason("POINTS_REJECTED: test").build();
    }
}
