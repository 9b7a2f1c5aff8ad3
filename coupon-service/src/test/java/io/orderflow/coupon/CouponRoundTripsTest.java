package io.orderflow.coupon;

import static io.orderflow.coupon.CouponHandlerTest.payment;
import static io.orderflow.coupon.CouponHandlerTest.release;
import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.events.CouponRedeemed;
import io.orderflow.events.CouponRejected;
import io.orderflow.events.CouponRejectionReason;
import io.orderflow.events.CouponReleased;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.events.ReleaseCoupon;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.platform.testing.OutboxRows;
import io.orderflow.platform.testing.RoundTrips;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins how many statements (database round trips) the handler takes per record, on every path: a change that adds
 * one per record fails here. The outbox row is one of them wherever the path emits an event. Each test also checks
 * the path's outcome, so a count is never pinned for a path that went elsewhere.
 */
class CouponRoundTripsTest {

    private static final TestDatabases DATABASES = new TestDatabases(CouponServiceConfig.SERVICE_NAME);

    private final CouponLedger coupons = new CouponLedger();
    private final CouponHandler handler = new CouponHandler(new Redemptions(), new Outbox(() -> { }));

    static Stream<TestDb> databases() {
        return DATABASES.all();
    }

    @AfterAll
    static void closeDatabases() {
        DATABASES.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void paymentWithoutACouponAndRefundTakeNone(TestDb t) throws Exception {
        String order = id("order");
        assertThat(trips(t.db(), payment(order, id("cust"), null))).isZero();
        assertThat(trips(t.db(), refund(order))).isZero();
        assertThat(OutboxRows.forKey(t.db(), order)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void redeemingALimitedCouponTakesThree(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 3);
        String order = id("order");

        assertThat(trips(t.db(), payment(order, id("cust"), code))).isLessThanOrEqualTo(3);

        assertThat(OutboxRows.forKey(t.db(), order, CouponRedeemed.class)).singleElement()
                .satisfies(r -> assertThat(r.getRemaining()).isEqualTo(2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void redeemingAnUnlimitedCouponTakesThree(TestDb t) throws Exception {
        String order = id("order");

        assertThat(trips(t.db(), payment(order, id("cust"), "WELCOME10"))).isLessThanOrEqualTo(3);

        assertThat(OutboxRows.forKey(t.db(), order, CouponRedeemed.class)).singleElement()
                .satisfies(r -> assertThat(r.getRemaining()).isNull());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aRepeatedPaymentTakesTwo(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 3);
        String order = id("order");
        String customer = id("cust");
        apply(t.db(), payment(order, customer, code));

        assertThat(trips(t.db(), payment(order, customer, code))).isLessThanOrEqualTo(2);

        assertThat(OutboxRows.forKey(t.db(), order)).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void everyRejectionTakesThree(TestDb t) throws Exception {
        String limited = limitedCoupon(t.db(), 1);
        String expired = id("OLD");
        String euros = id("EUR");
        t.db().inTransaction(tx -> coupons.define(tx, Coupon.define(expired, 100, "USD", null,
                Instant.now().minus(Duration.ofDays(1)))));
        t.db().inTransaction(tx -> coupons.define(tx, Coupon.define(euros, 100, "EUR", null, null)));
        String customer = id("cust");
        apply(t.db(), payment(id("order"), customer, limited)); // the only use, and the customer's

        assertRejectionTakesThree(t.db(), payment(id("order"), id("cust"), id("NOPE")), CouponRejectionReason.UNKNOWN_COUPON);
        assertRejectionTakesThree(t.db(), payment(id("order"), id("cust"), expired), CouponRejectionReason.EXPIRED);
        assertRejectionTakesThree(t.db(), payment(id("order"), id("cust"), euros), CouponRejectionReason.OTHER);
        assertRejectionTakesThree(t.db(), payment(id("order"), customer, limited), CouponRejectionReason.ALREADY_USED);
        assertRejectionTakesThree(t.db(), payment(id("order"), id("cust"), limited), CouponRejectionReason.SOLD_OUT);

        String cancelled = id("order");
        apply(t.db(), release(cancelled, customer, limited));
        assertRejectionTakesThree(t.db(), payment(cancelled, customer, limited), CouponRejectionReason.ORDER_CANCELLED);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void everyReleaseTakesThree(TestDb t) throws Exception {
        String code = limitedCoupon(t.db(), 2);
        String order = id("order");
        String customer = id("cust");
        apply(t.db(), payment(order, customer, code));

        assertThat(trips(t.db(), release(order, customer, code))).as("release of a redeemed coupon").isLessThanOrEqualTo(3);
        assertThat(trips(t.db(), release(order, customer, code))).as("release again").isLessThanOrEqualTo(3);
        String never = id("order");
        assertThat(trips(t.db(), release(never, customer, code))).as("release before any payment").isLessThanOrEqualTo(3);

        assertThat(OutboxRows.forKey(t.db(), order, CouponReleased.class)).extracting(CouponReleased::getReleased)
                .containsExactly(true, true);
        assertThat(OutboxRows.forKey(t.db(), never, CouponReleased.class)).extracting(CouponReleased::getReleased)
                .containsExactly(false);
        assertThat(t.db().read(tx -> coupons.find(tx, code)).orElseThrow().remaining()).isEqualTo(2);
    }

    // --- helpers

    private void assertRejectionTakesThree(Database db, PaymentCompleted p, CouponRejectionReason reason) throws Exception {
        assertThat(trips(db, p)).as(reason.name()).isLessThanOrEqualTo(3);
        assertThat(OutboxRows.forKey(db, p.getOrderId(), CouponRejected.class)).singleElement()
                .satisfies(r -> assertThat(r.getReason()).isEqualTo(reason));
    }

    /** The statements the handler executes for {@code event}, applied in a transaction of its own. */
    private int trips(Database db, SpecificRecord event) throws Exception {
        RoundTrips trips = new RoundTrips();
        String orderId = String.valueOf(event.get(event.getSchema().getField("orderId").pos()));
        String eventId = String.valueOf(event.get(event.getSchema().getField("eventId").pos()));
        var topic = event instanceof ReleaseCoupon ? Topics.COUPON_COMMANDS : Topics.PAYMENTS_EVENTS;
        db.inTransaction(tx -> {
            handler.handle(new ConsumedEvent(topic.name(), 0, 0, orderId, eventId, event), trips.wrap(tx));
            return null;
        });
        return trips.count();
    }

    private void apply(Database db, SpecificRecord event) throws Exception {
        trips(db, event);
    }

    private String limitedCoupon(Database db, int uses) throws Exception {
        String code = id("LTD");
        db.inTransaction(tx -> coupons.define(tx, Coupon.define(code, 500, "USD", uses, null)));
        return code;
    }

    private static PaymentRefunded refund(String orderId) {
        return PaymentRefunded.newBuilder().setEventId(UUID.randomUUID().toString()).setOrderId(orderId)
                .setOccurredAt(Instant.now()).setPaymentId(id("pay")).setCustomerId(id("cust")).setCurrency("USD")
                .setAmountCents(3000).setReason("TIMEOUT").build();
    }

    private static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
