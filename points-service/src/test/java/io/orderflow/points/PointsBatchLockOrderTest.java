package io.orderflow.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.PaymentCompleted;
import io.orderflow.platform.consumer.BatchOrder;
import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.platform.testing.Concurrently;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import io.orderflow.schemas.Topics;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two consumer batches at once, each paying one order of customer A and one of customer B, whose order ids
 * (the record keys) sort A-first in one batch and B-first in the other: applied in record-key order they lock
 * the two accounts in opposite orders and deadlock (then the consumer falls back to one record at a time).
 * Applied in {@link BatchOrder} by {@link PointsHandler#lockKey} (the customer), they never do.
 */
class PointsBatchLockOrderTest {

    private static final TestDatabases DATABASES = new TestDatabases(PointsServiceConfig.SERVICE_NAME);

    private final PointsHandler handler = new PointsHandler(new PointsLedger(), new ReversedOrders(),
            new Outbox(() -> { }), 100);

    static Stream<TestDb> databases() {
        return DATABASES.all();
    }

    @AfterAll
    static void closeDatabases() {
        DATABASES.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void twoBatchesOnTheSameCustomersInOppositeKeyOrderDoNotDeadlock(TestDb t) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String a = "a-" + run;
        String b = "b-" + run;
        // Record keys: batch 1 sorts customer A's order first, batch 2 customer B's.
        List<ConsumedEvent> batch1 = List.of(paid("1-" + run, a), paid("2-" + run, b));
        List<ConsumedEvent> batch2 = List.of(paid("1x-" + run, b), paid("2x-" + run, a));
        AtomicInteger firstApplied = new AtomicInteger();
        AtomicInteger deadlocks = new AtomicInteger();

        Concurrently.runAtOnce(List.of(
                () -> applyAsOneBatch(t.db(), batch1, firstApplied, deadlocks),
                () -> applyAsOneBatch(t.db(), batch2, firstApplied, deadlocks)));

        assertThat(deadlocks).as("batches that deadlocked").hasValue(0);
        // Each customer earned 10 points on each of the two orders.
        assertThat(balance(t.db(), a)).isEqualTo(20);
        assertThat(balance(t.db(), b)).isEqualTo(20);
    }

    /**
     * One poll's transaction as the consumer runs it; after its first record it waits until the other batch
     * has applied its first record too, or waits on a lock (it then cannot get further), so both hold a lock.
     */
    private void applyAsOneBatch(Database db, List<ConsumedEvent> batch, AtomicInteger firstApplied,
                                 AtomicInteger deadlocks) throws Exception {
        List<ConsumedEvent> ordered = BatchOrder.sort(batch, ConsumedEvent::key, handler::lockKey);
        try {
            db.inTransaction(tx -> {
                for (int i = 0; i < ordered.size(); i++) {
                    handler.handle(ordered.get(i), tx);
                    if (i == 0) {
                        firstApplied.incrementAndGet();
                        await().atMost(Duration.ofSeconds(30))
                                .until(() -> firstApplied.get() == 2 || someoneWaitsForALock(db));
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            if (!"40P01".equals(e.getSQLState())) {
                throw e;
            }
            deadlocks.incrementAndGet();
            // What the consumer then does: one record at a time.
            for (ConsumedEvent event : batch) {
                db.inTransaction(tx -> {
                    handler.handle(event, tx);
                    return null;
                });
            }
        }
    }

    private static boolean someoneWaitsForALock(Database db) throws Exception {
        return db.read(c -> {
            try (var ps = c.prepareStatement("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND wait_event_type = 'Lock'"); var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        });
    }

    private static long balance(Database db, String customer) throws Exception {
        return db.read(tx -> new PointsLedger().balance(tx, customer));
    }

    private static ConsumedEvent paid(String orderId, String customer) {
        PaymentCompleted payment = PointsHandlerTest.payment(orderId, customer, 0, 1000);
        return new ConsumedEvent(Topics.PAYMENTS_EVENTS.name(), 0, 0, orderId, payment.getEventId(), payment);
    }
}
