package io.orderflow.notification;

import io.orderflow.platform.crash.CrashPoints;
import io.orderflow.platform.db.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the notifications the consumer committed (PENDING rows), on its own thread, after the commit:
 * a batch that rolls back and is replayed record by record leaves one row per event, and the row is
 * sent once. Per round it claims a few rows in one short transaction, then for each row calls the
 * sender outside any transaction and marks it SENT in another short one. At least once towards the
 * sender: a crash between a send and its mark sends again with the same idempotency key. A failed
 * send is retried with backoff without blocking the rows behind it. Woken after each commit that
 * recorded a notification, and polls otherwise (rows of a crashed instance, retries that came due).
 */
final class NotificationDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);
    private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(5);

    /**
     * @param batchSize rows claimed at a time
     * @param lease how long a claim holds; longer than sending a batch takes (rate limit included)
     * @param idlePoll how often it looks for due rows without a wake-up
     */
    record Settings(int batchSize, Duration lease, Duration idlePoll) {

        static final Duration LEASE = Duration.ofSeconds(20);

        /**
         * About one second of sends per claim under a rate limit (0 = none). The lease (20 s: 100 sends at up to
         * 200 ms each) is also how long the rows a killed instance had claimed wait before they are sent: a minute
         * held up to a batch of notifications that long after every crash ({@code ServiceCrashIT}).
         */
        static Settings forRate(int maxPerSecond) {
            int batch = maxPerSecond > 0 ? Math.min(100, maxPerSecond) : 100;
            return new Settings(batch, LEASE, Duration.ofSeconds(1));
        }
    }

    private final String name;
    private final Database db;
    private final PendingNotifications pending;
    private final NotificationSender sender;
    private final Settings settings;
    private final Semaphore wakeups = new Semaphore(0);
    private final AtomicLong sent = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    NotificationDispatcher(String name, Database db, PendingNotifications pending, NotificationSender sender,
                           Settings settings) {
        this.name = name;
        this.db = db;
        this.pending = pending;
        this.sender = sender;
        this.settings = settings;
        this.thread = new Thread(this::run, name + "-notification-dispatcher");
    }

    void start() {
        thread.start();
    }

    /** Look at the table now: call it after a commit that recorded a notification. */
    void wakeup() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    long sentCount() {
        return sent.get();
    }

    PendingNotifications.Backlog backlog() throws Exception {
        return db.read(pending::backlog);
    }

    private void run() {
        long backoffMs = 0;
        while (running) {
            try {
                int claimed = dispatchOnce();
                backoffMs = 0;
                if (claimed < settings.batchSize()) {
                    wakeups.tryAcquire(settings.idlePoll().toMillis(), TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // The database is unreachable: the rows wait; a claim that was lost ends with its lease.
                backoffMs = Math.min(5_000, Math.max(100, backoffMs * 2));
                log.warn("{}: notification dispatch failed; retrying in {} ms", name, backoffMs, e);
                try {
                    wakeups.tryAcquire(backoffMs, TimeUnit.MILLISECONDS);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Claims and sends one batch; returns how many rows it claimed. */
    int dispatchOnce() throws Exception {
        String claim = UUID.randomUUID().toString();
        List<PendingNotifications.Claimed> batch = db.inTransaction(tx ->
                pending.claim(tx, claim, settings.batchSize(), Instant.now(), settings.lease()));
        try {
            for (PendingNotifications.Claimed row : batch) {
                if (!running) {
                    break;
                }
                send(claim, row);
            }
        } finally {
            if (!batch.isEmpty()) {
                db.inTransaction(tx -> {
                    pending.release(tx, claim);
                    return null;
                });
            }
        }
        return batch.size();
    }

    private void send(String claim, PendingNotifications.Claimed row) throws Exception {
        Notification n = row.notification();
        try {
            sender.send(n.idempotencyKey(), n);
            CrashPoints.hit(CrashPoints.NOTIFICATION_AFTER_SEND);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            Duration delay = retryDelay(row.attempts());
            log.warn("{}: sending {} notification of order {} failed (attempt {}); retrying in {}", name, n.kind(),
                    n.orderId(), row.attempts() + 1, delay, e);
            db.inTransaction(tx -> {
                pending.markFailed(tx, row.id(), claim, Instant.now().plus(delay), e.toString());
                return null;
            });
            return;
        }
        boolean marked = db.inTransaction(tx -> pending.markSent(tx, row.id(), claim, Instant.now()));
        sent.incrementAndGet();
        if (!marked) {
            log.warn("{}: {} notification of order {} sent after its claim ended; another dispatcher may send it "
                    + "again with the same key {}", name, n.kind(), n.orderId(), n.idempotencyKey());
        }
    }

    static Duration retryDelay(int attemptsBefore) {
        long seconds = 1L << Math.min(attemptsBefore, 9);
        Duration delay = Duration.ofSeconds(seconds);
        return delay.compareTo(MAX_RETRY_DELAY) > 0 ? MAX_RETRY_DELAY : delay;
    }

    @Override
    public void close() {
        running = false;
        wakeups.release();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (thread.isAlive()) {
                log.warn("{}: notification dispatcher did not stop within 30 s", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
