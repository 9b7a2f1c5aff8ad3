package io.orderflow.notification;

import io.orderflow.platform.crash.CrashPoints;
import io.orderflow.platform.db.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the notifications the consumer committed (PENDING rows), on its own thread, after the commit:
 * a batch that rolls back and is replayed record by record leaves one row per event, and the row is
 * sent once. Per round it claims a few rows in one statement (its own short transaction), calls the
 * sender for each outside any transaction, then marks the batch's sent rows SENT in one statement (and
 * gives back what it did not send). At least once towards the sender: a crash between the sends and
 * that mark sends the batch's unmarked rows again, with the same idempotency keys. A failed
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

    /**
     * Claims and sends one batch; returns how many rows it claimed. Two statements for a batch whose sends all
     * succeed, each its own transaction: the claim, then the SENT marks of the whole batch (together with the
     * release of what it did not send, when it stopped early). A failed send is marked at once (its retry time),
     * as before. The marks also go out when half the lease has passed (a slow sender), so what was sent is not
     * claimed and sent again by another dispatcher when the lease ends.
     */
    int dispatchOnce() throws Exception {
        String claim = UUID.randomUUID().toString();
        Instant claimedAt = Instant.now();
        List<PendingNotifications.Claimed> batch = db.inOneStatement(tx ->
                pending.claim(tx, claim, settings.batchSize(), claimedAt, settings.lease()));
        if (batch.isEmpty()) {
            return 0;
        }
        Instant markBy = claimedAt.plus(settings.lease().dividedBy(2));
        List<PendingNotifications.Sent> unmarked = new ArrayList<>();
        int attempted = 0;
        try {
            for (PendingNotifications.Claimed row : batch) {
                if (!running) {
                    break;
                }
                attempted++;
                if (send(claim, row)) {
                    unmarked.add(new PendingNotifications.Sent(row.id(), Instant.now()));
                    if (!Instant.now().isBefore(markBy)) {
                        markSent(claim, batch, unmarked, false);
                        unmarked.clear();
                    }
                }
            }
        } catch (Exception | Error e) {
            try {
                markSent(claim, batch, unmarked, true);
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        // Every row attempted: each is marked SENT (here), failed, or lost to another claim; nothing to give back.
        markSent(claim, batch, unmarked, attempted < batch.size());
        return batch.size();
    }

    /** @return whether the sender took it (else it was marked failed, to be retried) */
    private boolean send(String claim, PendingNotifications.Claimed row) throws Exception {
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
            db.inOneStatement(tx -> {
                pending.markFailed(tx, row.id(), claim, Instant.now().plus(delay), e.toString());
                return null;
            });
            return false;
        }
        sent.incrementAndGet();
        return true;
    }

    /**
     * Marks the sent rows of the batch SENT in one statement (a transaction of its own), and with {@code release}
     * gives back the rest of the claim in it too. A crash before it returns leaves every row sent since the last mark
     * PENDING under the claim: sent again, with the same idempotency key, once the lease ends.
     */
    private void markSent(String claim, List<PendingNotifications.Claimed> batch,
                          List<PendingNotifications.Sent> sentRows, boolean release) throws Exception {
        if (sentRows.isEmpty() && !release) {
            return;
        }
        Set<Long> marked = db.inOneStatement(tx -> pending.markSent(tx, claim, sentRows, release));
        if (marked.size() == sentRows.size()) {
            return;
        }
        Set<Long> lost = new HashSet<>();
        sentRows.forEach(s -> lost.add(s.id()));
        lost.removeAll(marked);
        for (PendingNotifications.Claimed row : batch) {
            if (lost.contains(row.id())) {
                Notification n = row.notification();
                log.warn("{}: {} notification of order {} sent after its claim ended; another dispatcher may send it "
                        + "again with the same key {}", name, n.kind(), n.orderId(), n.idempotencyKey());
            }
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
