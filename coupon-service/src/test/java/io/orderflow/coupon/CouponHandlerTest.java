package io.orderflow.coupon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.CouponRedeemed;
import io.orderflow.events.CouponRejected;
import io.orderflow.events.CouponRejectionReason;
import io.orderflow.events.CouponReleased;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.ReleaseCoupon;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.schemas.Topics;
import io.orderflow.platform.testing.Concurrently;
import io.orderflow.platform.testing.OutboxRows;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The coupon rules, run through the handler in real transactions on PostgreSQL. */
class CouponHandlerTest {

    private static final TestDatabases DATABASES = new TestDatabases(CouponServiceConfig.SERVICE_NAME);

    private final CouponLedger coupons = new CouponLedger();
    private final Redemptions redemptions = new Redemptions();
    private final CouponHandler handler = new CouponHandler(redemptions, new Outbox(() -> { }));

    static Stream<TestDb> databases() {
        return DATABASES.all();
    }

    @AfterAll
    static void closeDatabases() {
        DATABASES.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void redeemsACouponAndCountsTheUse(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 3);
        String order = id("order");

        apply(t.db(), payment(order, id("cust"), code));

        assertThat(OutboxRows.forKey(t.db(), order)).singleElement().isInstanceOfSatisfying(CouponRedeemed.class, r -> {
            assertThat(r.getCouponCode()).isEqualTo(code);
            assertThat(r.getDiscountCents()).isEqualTo(500);
            assertThat(r.getRemaining()).isEqualTo(2);
        });
        assertThat(remaining(t.db(), code)).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void unlimitedSeedCouponRedeemsWithoutCounting(TestDb t) throws Exception {
        String order = id("order");
        String version = rowVersion(t.db(), "WELCOME10");

        apply(t.db(), payment(order, id("cust"), "WELCOME10"));

        assertThat(OutboxRows.forKey(t.db(), order)).singleElement().isInstanceOfSatisfying(CouponRedeemed.class, r -> {
            assertThat(r.getDiscountCents()).isEqualTo(1000);
            assertThat(r.getRemaining()).isNull();
        });
        // Not even written: no hot row for every order using the popular coupon
        assertThat(rowVersion(t.db(), "WELCOME10")).isEqualTo(version);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void paymentWithoutCouponAndRepeatedPaymentEmitNothing(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 3);
        String plain = id("order");
        String order = id("order");
        String customer = id("cust");

        apply(t.db(), payment(plain, customer, null));
        apply(t.db(), payment(order, customer, code));
        apply(t.db(), payment(order, customer, code)); // same order again, new eventId

        assertThat(OutboxRows.forKey(t.db(), plain)).isEmpty();
        assertThat(OutboxRows.forKey(t.db(), order)).hasSize(1);
        assertThat(remaining(t.db(), code)).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void rejectsUnknownAndExpiredCoupons(TestDb t) throws Exception {
        String expired = id("OLD");
        t.db().inTransaction(tx -> coupons.define(tx, Coupon.define(expired, 100, "USD", null,
                Instant.now().minus(Duration.ofDays(1)))));
        String unknownOrder = id("order");
        String expiredOrder = id("order");

        apply(t.db(), payment(unknownOrder, id("cust"), id("NOPE")));
        apply(t.db(), payment(expiredOrder, id("cust"), expired));

        assertThat(rejection(t.db(), unknownOrder)).isEqualTo(CouponRejectionReason.UNKNOWN_COUPON);
        assertThat(rejection(t.db(), expiredOrder)).isEqualTo(CouponRejectionReason.EXPIRED);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aCouponIsValidUntilTheEndOfItsLastInstant(TestDb t) throws Exception {
        Instant end = Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        String code = id("END");
        t.db().inTransaction(tx -> coupons.define(tx, Coupon.define(code, 100, "USD", null, end)));
        Coupon coupon = t.db().read(tx -> coupons.find(tx, code)).orElseThrow();

        // The database decides as Coupon.expiredAt does on the event's occurredAt (Avro keeps milliseconds of it)
        for (Instant paidAt : List.of(end.minusMillis(1), end, end.plusNanos(1), end.plusMillis(1))) {
            String order = id("order");
            PaymentCompleted p = PaymentCompleted.newBuilder(payment(order, id("cust"), code)).setOccurredAt(paidAt).build();
            apply(t.db(), p);
            List<SpecificRecord> answers = OutboxRows.forKey(t.db(), order);
            if (coupon.expiredAt(p.getOccurredAt())) {
                assertThat(answers).as("paid at %s", paidAt).singleElement().isInstanceOfSatisfying(CouponRejected.class,
                        r -> assertThat(r.getReason()).isEqualTo(CouponRejectionReason.EXPIRED));
            } else {
                assertThat(answers).as("paid at %s", paidAt).singleElement().isInstanceOf(CouponRedeemed.class);
            }
        }
        assertThat(coupon.expiredAt(end)).isFalse();
        assertThat(coupon.expiredAt(end.plusMillis(1))).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aCustomerUsesACouponOnceUntilItIsReleased(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 5);
        String customer = id("cust");
        String first = id("order");
        String second = id("order");
        String third = id("order");

        apply(t.db(), payment(first, customer, code));
        apply(t.db(), payment(second, customer, code));
        assertThat(rejection(t.db(), second)).isEqualTo(CouponRejectionReason.ALREADY_USED);

        apply(t.db(), release(first, customer, code));
        apply(t.db(), payment(third, customer, code));
        assertThat(OutboxRows.forKey(t.db(), third, CouponRedeemed.class)).hasSize(1);
        assertThat(remaining(t.db(), code)).isEqualTo(4);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void neverOversellsUnderConcurrentRedemptions(TestDb t) throws Exception {
        int uses = 10;
        int orders = 50;
        String code = limitedCoupon(t.db(), uses);
        List<String> orderIds = new ArrayList<>();
        List<Concurrently.Task> redemptions = new ArrayList<>();
        for (int i = 0; i < orders; i++) {
            String order = id("order");
            orderIds.add(order);
            PaymentCompleted p = payment(order, id("cust"), code);
            redemptions.add(() -> apply(t.db(), p));
        }
        Concurrently.runAtOnce(redemptions);

        List<SpecificRecord> answers = new ArrayList<>();
        for (String order : orderIds) {
            answers.addAll(OutboxRows.forKey(t.db(), order));
        }
        assertThat(answers).hasSize(orders);
        assertThat(answers).filteredOn(CouponRedeemed.class::isInstance).hasSize(uses);
        assertThat(answers).filteredOn(CouponRejected.class::isInstance)
                .allSatisfy(r -> assertThat(((CouponRejected) r).getReason()).isEqualTo(CouponRejectionReason.SOLD_OUT))
                .hasSize(orders - uses);
        assertThat(remaining(t.db(), code)).isZero();
        int redeemed = t.db().read(tx -> {
            try (var ps = tx.prepareStatement("SELECT COUNT(*) FROM redemptions WHERE code = ? AND status = 'REDEEMED'")) {
                ps.setString(1, code);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
        assertThat(redeemed).isEqualTo(uses);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void releaseGivesTheUseBackExactlyOnce(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 2);
        String order = id("order");
        String customer = id("cust");
        apply(t.db(), payment(order, customer, code));
        assertThat(remaining(t.db(), code)).isEqualTo(1);

        apply(t.db(), release(order, customer, code));
        apply(t.db(), release(order, customer, code)); // the saga asks again (new eventId)

        assertThat(remaining(t.db(), code)).isEqualTo(2);
        assertThat(OutboxRows.forKey(t.db(), order, CouponReleased.class))
                .extracting(CouponReleased::getReleased).containsExactly(true, true);
        boolean inUse = t.db().read(tx -> redemptions.inUseBy(tx, code, customer));
        assertThat(inUse).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void releaseBeforePaymentLocksTheOrder(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 2);
        String order = id("order");
        String customer = id("cust");

        apply(t.db(), release(order, customer, code));
        apply(t.db(), payment(order, customer, code));

        List<SpecificRecord> events = OutboxRows.forKey(t.db(), order);
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isInstanceOfSatisfying(CouponReleased.class, r -> assertThat(r.getReleased()).isFalse());
        assertThat(rejection(t.db(), order)).isEqualTo(CouponRejectionReason.ORDER_CANCELLED);
        assertThat(remaining(t.db(), code)).isEqualTo(2);
        Optional<Redemption> redemption = t.db().read(tx -> redemptions.find(tx, order));
        assertThat(redemption).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void releaseWaitsForAConcurrentRedemptionOfTheSameOrder(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 2);
        String order = id("order");
        String customer = id("cust");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection paying = t.db().dataSource().getConnection()) {
            // Given a redemption in flight on one instance (not committed yet)
            handler.handle(new ConsumedEvent(Topics.PAYMENTS_EVENTS.name(), 0, 0, order, "e1",
                    payment(order, customer, code)), paying);
            // When the saga's ReleaseCoupon for the order reaches another instance
            Future<?> releasing = pool.submit(() -> {
                apply(t.db(), release(order, customer, code));
                return null;
            });
            // Then the release waits for the redemption instead of missing it
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !releasing.isDone());
            paying.commit();
            releasing.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(OutboxRows.forKey(t.db(), order, CouponReleased.class)).singleElement()
                .satisfies(r -> assertThat(r.getReleased()).isTrue());
        assertThat(remaining(t.db(), code)).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void anEventOfAnOrderSeenBeforeWaitsForTheOneInFlight(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 2);
        String order = id("order");
        String customer = id("cust");
        apply(t.db(), payment(order, customer, code)); // the order's lock row exists from here on
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection releasing = t.db().dataSource().getConnection()) {
            // Given the saga's release in flight on one instance (not committed yet)
            handler.handle(new ConsumedEvent(Topics.COUPON_COMMANDS.name(), 0, 0, order, "e1",
                    release(order, customer, code)), releasing);
            // When the payment is delivered again to another instance
            Future<?> paying = pool.submit(() -> {
                apply(t.db(), payment(order, customer, code));
                return null;
            });
            // Then it waits for the release, and then sees the order cancelled
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !paying.isDone());
            releasing.commit();
            paying.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(rejection(t.db(), order)).isEqualTo(CouponRejectionReason.ORDER_CANCELLED);
        assertThat(remaining(t.db(), code)).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void catalogPublishesOnlyNewOrChangedDefinitions(TestDb t) throws Exception {
        CouponCatalog catalog = new CouponCatalog(coupons, new Outbox(() -> { }));
        t.db().inTransaction(catalog::publishChanged);
        assertThat(t.db().inTransaction(catalog::publishChanged)).isZero();

        String code = limitedCoupon(t.db(), 7);
        assertThat(t.db().inTransaction(catalog::publishChanged)).isEqualTo(1);
        assertThat(OutboxRows.forKey(t.db(), code)).singleElement().satisfies(e ->
                assertThat(e.getSchema().getName()).isEqualTo("CouponDefinition"));
        assertThat(OutboxRows.forKey(t.db(), "WELCOME10")).hasSize(1);
    }

    // --- helpers

    private String limitedCoupon(Database db, int uses) throws Exception {
        String code = id("LTD");
        db.inTransaction(tx -> coupons.define(tx, Coupon.define(code, 500, "USD", uses, null)));
        return code;
    }

    private void apply(Database db, SpecificRecord event) throws Exception {
        String orderId = String.valueOf(event.get(event.getSchema().getField("orderId").pos()));
        String eventId = String.valueOf(event.get(event.getSchema().getField("eventId").pos()));
        var topic = event instanceof ReleaseCoupon ? Topics.COUPON_COMMANDS : Topics.PAYMENTS_EVENTS;
        db.inTransaction(tx -> {
            handler.handle(new ConsumedEvent(topic.name(), 0, 0, orderId, eventId, event), tx);
            return null;
        });
    }

    private int remaining(Database db, String code) throws Exception {
        return db.read(tx -> coupons.find(tx, code)).orElseThrow().remaining();
    }

    /** The coupon row's xmin: which transaction wrote its current version. */
    private static String rowVersion(Database db, String code) throws Exception {
        return db.read(tx -> {
            try (var ps = tx.prepareStatement("SELECT xmin::text FROM coupons WHERE code = ?")) {
                ps.setString(1, code);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    private static CouponRejectionReason rejection(Database db, String order) throws Exception {
        return OutboxRows.forKey(db, order, CouponRejected.class).get(0).getReason();
    }

    static PaymentCompleted payment(String orderId, String customerId, String couponCode) {
        return PaymentCompleted.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setPaymentId(id("pay")).setCustomerId(customerId).setCurrency("USD")
                .setSubtotalCents(3000).setCouponCode(couponCode).setDiscountCents(couponCode == null ? 0 : 500)
                .setPointsRedeemed(0).setAmountCents(couponCode == null ? 3000 : 2500).build();
    }

    static ReleaseCoupon release(String orderId, String customerId, String couponCode) {
        return ReleaseCoupon.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setCouponCode(couponCode).setCustomerId(customerId)
                .setReason("TIMEOUT").build();
    }

    private static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
