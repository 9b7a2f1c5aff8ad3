package io.orderflow.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.orderflow.platform.consumer.ConsumedEvent;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.testing.Concurrently;
import io.orderflow.platform.testing.TestDatabases;
import io.orderflow.platform.testing.TestDatabases.TestDb;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The dispatcher against real transactions: once per row, retried after a failure, never by two at once. */
class NotificationDispatcherTest {

    private static final TestDatabases DATABASES = new TestDatabases(NotificationServiceConfig.SERVICE_NAME);
    private static final NotificationDispatcher.Settings SETTINGS =
            new NotificationDispatcher.Settings(10, Duration.ofMinutes(1), Duration.ofMillis(50));

    private final Map<String, Integer> sends = new ConcurrentHashMap<>();

    static Stream<TestDb> databases() {
        return DATABASES.all();
    }

    @AfterAll
    static void closeDatabases() {
        DATABASES.close();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aFailedSendIsRetriedWithTheSameKeyAndDoesNotHoldUpTheOthers(TestDb t) throws Exception {
        String failing = record(t.db(), NotificationHandlerTest.id("order"));
        String fine = record(t.db(), NotificationHandlerTest.id("order"));
        AtomicBoolean providerDown = new AtomicBoolean(true);
        NotificationDispatcher dispatcher = dispatcher(t.db(), (key, n) -> {
            if (key.equals(failing) && providerDown.get()) {
                throw new IllegalStateException("provider answered 503");
            }
            sends.merge(key, 1, Integer::sum);
        });

        drain(dispatcher); // until nothing is due: the failed one waits for its retry

        assertThat(sends).containsEntry(fine, 1).doesNotContainKey(failing);
        NotificationLog.Stored waiting = storedByKey(t.db(), failing);
        assertThat(waiting.status()).isEqualTo("PENDING");
        assertThat(waiting.attempts()).isGreaterThanOrEqualTo(1);
        assertThat(lastError(t.db(), failing)).contains("provider answered 503");

        providerDown.set(false);
        makeDue(t.db());
        drain(dispatcher);

        assertThat(sends).containsEntry(failing, 1).containsEntry(fine, 1);
        assertThat(storedByKey(t.db(), failing).status()).isEqualTo("SENT");
        assertThat(storedByKey(t.db(), failing).sentAt()).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void twoDispatchersNeverSendOneNotificationTwice(TestDb t) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            keys.add(record(t.db(), NotificationHandlerTest.id("order")));
        }
        NotificationDispatcher first = dispatcher(t.db(), (key, n) -> sends.merge(key, 1, Integer::sum));
        NotificationDispatcher second = dispatcher(t.db(), (key, n) -> sends.merge(key, 1, Integer::sum));

        Concurrently.runAtOnce(List.of(() -> drain(first), () -> drain(second)));

        assertThat(keys).allSatisfy(key -> assertThat(sends.get(key)).as("sends of %s", key).isEqualTo(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aWakeUpSendsAtOnceAndAStoppedDispatcherGivesBackItsClaim(TestDb t) throws Exception {
        NotificationDispatcher dispatcher = new NotificationDispatcher("test", t.db(), new PendingNotifications(),
                (key, n) -> sends.merge(key, 1, Integer::sum),
                new NotificationDispatcher.Settings(10, Duration.ofMinutes(1), Duration.ofMinutes(10)));
        dispatcher.start();
        try {
            String key = record(t.db(), NotificationHandlerTest.id("order"));
            dispatcher.wakeup();

            await("sent after a wake-up, long before the 10 min poll").atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(sends).containsEntry(key, 1));
        } finally {
            dispatcher.close();
        }
    }

    /**
     * The sent rows of a batch are marked together after it; a dispatcher that stops in the middle (here its sender
     * is interrupted) still marks what it sent and gives back the rest at once, not after the lease.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aBatchCutShortMarksWhatItSentAndGivesBackTheRest(TestDb t) throws Exception {
        drain(dispatcher(t.db(), (key, n) -> sends.merge(key, 1, Integer::sum)));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            keys.add(record(t.db(), NotificationHandlerTest.id("order")));
        }
        NotificationDispatcher interrupted = dispatcher(t.db(), (key, n) -> {
            if (key.equals(keys.get(2))) {
                throw new InterruptedException("stopping");
            }
            sends.merge(key, 1, Integer::sum);
        });

        assertThatThrownBy(interrupted::dispatchOnce).isInstanceOf(InterruptedException.class);

        assertThat(keys.subList(0, 2)).allSatisfy(key -> {
            assertThat(storedByKey(t.db(), key).status()).isEqualTo("SENT");
            assertThat(storedByKey(t.db(), key).attempts()).isEqualTo(1);
        });
        assertThat(keys.subList(2, 4)).allSatisfy(key -> assertThat(claimOf(t.db(), key))
                .as("given back: PENDING, unclaimed, due now").isEqualTo("PENDING null null"));

        drain(dispatcher(t.db(), (key, n) -> sends.merge(key, 1, Integer::sum)));
        assertThat(keys).allSatisfy(key -> {
            assertThat(sends.get(key)).as("sends of %s", key).isEqualTo(1);
            assertThat(storedByKey(t.db(), key).status()).isEqualTo("SENT");
        });
    }

    /**
     * A dispatcher whose lease ended while it sent (another one claimed its rows meanwhile) neither marks nor gives
     * back those rows at the end of its batch: they stay with the new claim, which sends them (with the same keys).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aBatchWhoseClaimWasTakenOverLeavesTheRowsToTheNewClaim(TestDb t) throws Exception {
        drain(dispatcher(t.db(), (key, n) -> sends.merge(key, 1, Integer::sum)));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add(record(t.db(), NotificationHandlerTest.id("order")));
        }
        String takenOverBy = "other-dispatcher";
        NotificationDispatcher late = dispatcher(t.db(), (key, n) -> {
            if (key.equals(keys.get(0))) {
                makeDue(t.db()); // the lease ended: another dispatcher claims the rows
                int claimed = t.db().inOneStatement(tx -> new PendingNotifications().claim(tx, takenOverBy, 100,
                        Instant.now(), Duration.ofMinutes(1))).size();
                assertThat(claimed).isGreaterThanOrEqualTo(3);
            } else {
                throw new InterruptedException("stopping"); // cut short: the end of the batch also gives back
            }
            sends.merge(key, 1, Integer::sum);
        });

        assertThatThrownBy(late::dispatchOnce).isInstanceOf(InterruptedException.class);

        assertThat(keys).allSatisfy(key -> assertThat(claimOf(t.db(), key)).startsWith("PENDING " + takenOverBy + " "));
    }

    /**
     * A batch that takes longer than half its lease marks what it sent as it goes (here the lease is zero: after each
     * send), so a slow sender's rows are not claimed and sent again by another dispatcher when the lease ends.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("databases")
    void aBatchSlowerThanHalfItsLeaseMarksWhatItSentAsItGoes(TestDb t) throws Exception {
        drain(dispatcher(t.db(), (key, n) -> sends.merge(key, 1, Integer::sum)));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            keys.add(record(t.db(), NotificationHandlerTest.id("order")));
        }
        List<Long> sentBefore = new ArrayList<>();
        NotificationDispatcher slow = new NotificationDispatcher("test", t.db(), new PendingNotifications(),
                (key, n) -> {
                    sentBefore.add(keys.stream().filter(k -> status(t.db(), k).equals("SENT")).count());
                    sends.merge(key, 1, Integer::sum);
                }, new NotificationDispatcher.Settings(10, Duration.ZERO, Duration.ofSeconds(1)));

        assertThat(slow.dispatchOnce()).isEqualTo(3);

        assertThat(sentBefore).as("rows already SENT at each send").containsExactly(0L, 1L, 2L);
        assertThat(keys).allSatisfy(key -> assertThat(status(t.db(), key)).isEqualTo("SENT"));
    }

    @Test
    void retriesBackOffUpToFiveMinutes() {
        assertThat(NotificationDispatcher.retryDelay(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(NotificationDispatcher.retryDelay(3)).isEqualTo(Duration.ofSeconds(8));
        assertThat(NotificationDispatcher.retryDelay(30)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void theRateLimitHolds() throws Exception {
        int perSecond = 20;
        long intervalNanos = 1_000_000_000L / perSecond;
        List<Long> sentAt = Collections.synchronizedList(new ArrayList<>());
        long before = System.nanoTime();
        RateLimitedSender limited = new RateLimitedSender((key, n) -> sentAt.add(System.nanoTime()), perSecond);

        for (int i = 0; i < 10; i++) {
            limited.send("k" + i, null);
        }

        // The k-th send (from 0) comes no earlier than k intervals after the limiter was made.
        for (int k = 0; k < sentAt.size(); k++) {
            assertThat(sentAt.get(k) - before).as("send %d", k).isGreaterThanOrEqualTo(k * intervalNanos);
        }
    }

    private NotificationDispatcher dispatcher(Database db, NotificationSender sender) {
        return new NotificationDispatcher("test", db, new PendingNotifications(), sender, SETTINGS);
    }

    /** Dispatches until nothing is due (the other dispatcher may have taken the rest). */
    private static void drain(NotificationDispatcher dispatcher) throws Exception {
        while (dispatcher.dispatchOnce() > 0) {
            // next round
        }
    }

    /** Records one PAYMENT_RECEIVED notification as the consumer would; returns its idempotency key. */
    private static String record(Database db, String orderId) throws Exception {
        var payment = NotificationHandlerTest.payment(orderId, "cust-d", 100, "EUR");
        db.inTransaction(tx -> {
            new NotificationHandler(new NotificationLog(), () -> { }).handle(new ConsumedEvent(Topics.PAYMENTS_EVENTS.name(),
                    0, 0, orderId, payment.getEventId(), payment), tx);
            return null;
        });
        return "orderflow-notification-" + payment.getEventId();
    }

    private static NotificationLog.Stored storedByKey(Database db, String key) throws Exception {
        String eventId = key.substring("orderflow-notification-".length());
        return db.read(tx -> {
            try (var ps = tx.prepareStatement("SELECT order_id FROM notifications WHERE source_event_id = ?")) {
                ps.setString(1, eventId);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return new NotificationLog().forOrder(tx, rs.getString(1)).get(0);
                }
            }
        });
    }

    private static String lastError(Database db, String key) throws Exception {
        String eventId = key.substring("orderflow-notification-".length());
        return db.read(tx -> {
            try (var ps = tx.prepareStatement("SELECT last_error FROM notifications WHERE source_event_id = ?")) {
                ps.setString(1, eventId);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        });
    }

    private static String status(Database db, String key) {
        try {
            return storedByKey(db, key).status();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code status claimed_by next_attempt_at} of the row. */
    private static String claimOf(Database db, String key) throws Exception {
        String eventId = key.substring("orderflow-notification-".length());
        return db.read(tx -> {
            try (var ps = tx.prepareStatement(
                    "SELECT status, claimed_by, next_attempt_at FROM notifications WHERE source_event_id = ?")) {
                ps.setString(1, eventId);
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3);
                }
            }
        });
    }

    /** Every waiting retry is due now (instead of waiting for its backoff). */
    private static void makeDue(Database db) throws Exception {
        db.inTransaction(tx -> {
            try (var ps = tx.prepareStatement("UPDATE notifications SET next_attempt_at = NULL WHERE status = 'PENDING'")) {
                ps.executeUpdate();
            }
            return null;
        });
    }
}
