package io.orderflow.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PointsApplied;
import io.orderflow.events.PointsRejected;
import io.orderflow.events.PointsRejectionReason;
import io.orderflow.events.PointsReversed;
import io.orderflow.events.ReversePoints;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.consumer.PoisonEventException;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.schemas.Topics;
import io.orderflow.platform.testing.Concurrently;
import io.orderflow.platform.testing.OutboxRows;
import io.orderflow.platform.testing.RoundTrips;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The points rules, run through the handler in real transactions on PostgreSQL. */
class PointsHandlerTest {

    private static final TestDatabases DATABASES = new TestDatabases(PointsServiceConfig.SERVICE_NAME);

    private final PointsLedger ledger = new PointsLedger();
    private final PointsHandler handler = new PointsHandler(ledger, new ReversedOrders(), new Outbox(() -> { }), 100);
    private Database lastUsed;

    static Stream<TestDb> databases() {
        return DATABASES.all();
    }

    @AfterAll
    static void closeDatabases() {
        DATABASES.close();
    }

    /** After every test: balance = SUM(ledger.delta) for every customer, and no balance below 0. */
    @AfterEach
    void ledgerMatchesBalances() throws Exception {
        if (lastUsed == null) {
            return;
        }
        List<String> mismatched = lastUsed.read(tx -> {
            try (var ps = tx.prepareStatement("SELECT a.customer_id FROM accounts a LEFT JOIN "
                    + "(SELECT customer_id, SUM(delta) AS total FROM ledger GROUP BY customer_id) l "
                    + "ON l.customer_id = a.customer_id WHERE a.balance <> COALESCE(l.total, 0) OR a.balance < 0");
                 var rs = ps.executeQuery()) {
                List<String> ids = new ArrayList<>();
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
                return ids;
            }
        });
        assertThat(mismatched).as("customers whose balance differs from their ledger").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void appliesRedeemedAndEarnedPoints(TestDb t) throws Exception {
        String customer = customerWith(t.db(), 500);
        String order = id("order");

        apply(t.db(), payment(order, customer, 200, 2999));

        assertThat(OutboxRows.forKey(t.db(), order)).singleElement().isInstanceOfSatisfying(PointsApplied.class, a -> {
            assertThat(a.getRedeemed()).isEqualTo(200);
            assertThat(a.getEarned()).isEqualTo(29);
            assertThat(a.getBalanceAfter()).isEqualTo(329);
        });
        assertThat(balance(t.db(), customer)).isEqualTo(329);
        assertThat(entries(t.db(), order)).extracting(LedgerEntry::kind, LedgerEntry::delta)
                .containsExactly(tuple(LedgerEntry.Kind.REDEEM, -200L),
                        tuple(LedgerEntry.Kind.EARN, 29L));
    }

    /**
     * A payment costs three round trips whatever its outcome: lock the account (creating it), check the order
     * (reversed? applied?), and one write (the balance, both ledger rows and the answer; or the answer alone).
     * The points step runs once per order, so each statement more is one more per order for the whole flow.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aPaymentTakesThreeRoundTripsWhateverItsOutcome(TestDb t) throws Exception {
        String customer = customerWith(t.db(), 100);
        RoundTrips trips = new RoundTrips();

        apply(t.db(), payment(id("order"), customer, 40, 2000), trips);
        assertThat(trips.count()).as("applied").isEqualTo(3);

        trips.reset();
        apply(t.db(), payment(id("order"), id("cust"), 0, 500), trips);
        assertThat(trips.count()).as("applied, new customer").isEqualTo(3);

        trips.reset();
        apply(t.db(), payment(id("order"), customer, 1_000, 2000), trips);
        assertThat(trips.count()).as("rejected: not enough points").isEqualTo(3);

        String order = id("order");
        apply(t.db(), payment(order, customer, 0, 100));
        trips.reset();
        apply(t.db(), payment(order, customer, 0, 100), trips);
        assertThat(trips.count()).as("applied before: nothing to do").isEqualTo(2);
        assertThat(balance(t.db(), customer)).isEqualTo(100 - 40 + 20 + 1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void newCustomerStartsAtZeroAndARepeatedPaymentChangesNothing(TestDb t) throws Exception {
        String customer = id("cust");
        String order = id("order");

        apply(t.db(), payment(order, customer, 0, 1050));
        apply(t.db(), payment(order, customer, 0, 1050)); // same order, new eventId

        assertThat(OutboxRows.forKey(t.db(), order)).hasSize(1);
        assertThat(balance(t.db(), customer)).isEqualTo(10);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void rejectsMorePointsThanTheBalance(TestDb t) throws Exception {
        String customer = customerWith(t.db(), 50);
        String order = id("order");

        apply(t.db(), payment(order, customer, 100, 1000));

        assertThat(OutboxRows.forKey(t.db(), order)).singleElement().isInstanceOfSatisfying(PointsRejected.class, r -> {
            assertThat(r.getReason()).isEqualTo(PointsRejectionReason.INSUFFICIENT_BALANCE);
            assertThat(r.getRequested()).isEqualTo(100);
            assertThat(r.getBalance()).isEqualTo(50);
        });
        assertThat(balance(t.db(), customer)).isEqualTo(50);
        assertThat(entries(t.db(), order)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void reverseRestoresTheBalanceExactlyOnce(TestDb t) throws Exception {
        String customer = customerWith(t.db(), 500);
        String order = id("order");
        apply(t.db(), payment(order, customer, 200, 2999));

        apply(t.db(), reverse(order, customer));
        apply(t.db(), reverse(order, customer)); // asked again (new eventId)

        assertThat(OutboxRows.forKey(t.db(), order, PointsReversed.class))
                .extracting(PointsReversed::getReversedDelta, PointsReversed::getBalanceAfter)
                .containsExactly(tuple(171L, 500L),
                        tuple(0L, 500L));
        assertThat(balance(t.db(), customer)).isEqualTo(500);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void reverseBeforePaymentLocksTheOrder(TestDb t) throws Exception {
        String customer = customerWith(t.db(), 500);
        String order = id("order");

        apply(t.db(), reverse(order, customer));
        apply(t.db(), payment(order, customer, 200, 2999));

        List<SpecificRecord> events = OutboxRows.forKey(t.db(), order);
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isInstanceOfSatisfying(PointsReversed.class,
                r -> assertThat(r.getReversedDelta()).isZero());
        assertThat(events.get(1)).isInstanceOfSatisfying(PointsRejected.class,
                r -> assertThat(r.getReason()).isEqualTo(PointsRejectionReason.ORDER_CANCELLED));
        assertThat(balance(t.db(), customer)).isEqualTo(500);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void reverseOfSpentEarningsFailsAsAWholeAndIsDeadLetteredForAnOperator(TestDb t) throws Exception {
        String customer = id("cust");
        String order = id("order");
        apply(t.db(), payment(order, customer, 0, 10_000)); // earns 100
        apply(t.db(), payment(id("order"), customer, 80, 0)); // spends 80 of them

        assertThatThrownBy(() -> apply(t.db(), reverse(order, customer)))
                .isInstanceOf(PoisonEventException.class).hasMessageContaining("already spent");

        assertThat(balance(t.db(), customer)).isEqualTo(20);
        assertThat(OutboxRows.forKey(t.db(), order, PointsReversed.class)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void concurrentOrdersOfOneCustomerNeverOverspend(TestDb t) throws Exception {
        String customer = customerWith(t.db(), 1000);
        List<String> orders = new ArrayList<>();
        List<Concurrently.Task> payments = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String order = id("order");
            orders.add(order);
            PaymentCompleted p = payment(order, customer, 100, 0);
            payments.add(() -> apply(t.db(), p));
        }
        Concurrently.runAtOnce(payments);

        List<SpecificRecord> answers = new ArrayList<>();
        for (String order : orders) {
            answers.addAll(OutboxRows.forKey(t.db(), order));
        }
        assertThat(answers).filteredOn(PointsApplied.class::isInstance).hasSize(10);
        assertThat(answers).filteredOn(PointsRejected.class::isInstance).hasSize(10);
        assertThat(balance(t.db(), customer)).isZero();
    }

    // --- helpers

    private String customerWith(Database db, long points) throws Exception {
        String customer = id("cust");
        db.inTransaction(tx -> {
            ledger.lockAccount(tx, customer);
            return ledger.post(tx, new LedgerEntry(customer, null, points, LedgerEntry.Kind.ADJUST, "test", Instant.now()));
        });
        return customer;
    }

    private void apply(Database db, SpecificRecord event) throws Exception {
        apply(db, event, new RoundTrips());
    }

    private void apply(Database db, SpecificRecord event, RoundTrips trips) throws Exception {
        lastUsed = db;
        String orderId = String.valueOf(event.get(event.getSchema().getField("orderId").pos()));
        String eventId = String.valueOf(event.get(event.getSchema().getField("eventId").pos()));
        var topic = event instanceof ReversePoints ? Topics.POINTS_COMMANDS : Topics.PAYMENTS_EVENTS;
        db.inTransaction(tx -> {
            handler.handle(new ConsumedEvent(topic.name(), 0, 0, orderId, eventId, event), trips.wrap(tx));
            return null;
        });
    }

    private List<LedgerEntry> entries(Database db, String order) throws Exception {
        return db.read(tx -> ledger.forOrder(tx, order));
    }

    private long balance(Database db, String customer) throws Exception {
        lastUsed = db;
        return db.read(tx -> ledger.balance(tx, customer));
    }

    static PaymentCompleted payment(String orderId, String customerId, long pointsRedeemed, long amountCents) {
        return PaymentCompleted.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setPaymentId(id("pay")).setCustomerId(customerId).setCurrency("USD")
                .setSubtotalCents(amountCents + pointsRedeemed).setCouponCode(null).setDiscountCents(0)
                .setPointsRedeemed(pointsRedeemed).setAmountCents(amountCents).build();
    }

    static ReversePoints reverse(String orderId, String customerId) {
        return ReversePoints.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setCustomerId(customerId).setReason("COUPON_REJECTED").build();
    }

    private static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
