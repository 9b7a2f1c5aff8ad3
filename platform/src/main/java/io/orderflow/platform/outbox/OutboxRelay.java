package io.orderflow.platform.outbox;

import io.orderflow.platform.avro.AvroBinary;
import io.orderflow.platform.crash.CrashPoints;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.failure.Backoff;
import io.orderflow.platform.failure.FailureKind;
import io.orderflow.platform.failure.Failures;
import io.orderflow.platform.kafka.TraceContext;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the outbox in id order and deletes what the broker acknowledged (acks=all), one DB
 * transaction per batch, holding the relay's lock row so that one relay per database publishes at a
 * time and one key's events leave in the order they were written. A crash between the send and the
 * delete republishes those events: at least once, never lost; consumers drop the duplicates by eventId.
 *
 * <p>Failures are sorted once ({@link Failures}):
 * <ul>
 *   <li>Kafka, the registry or the database unreachable (TRANSIENT): the rows stay, the relay backs off
 *       and retries without limit ({@link Status#RETRYING}); nothing is parked.</li>
 *   <li>A failure of one row (its payload does not decode, the registry refuses its schema, the broker
 *       refuses the record): the row is tried again with backoff up to {@link Settings#maxRowAttempts},
 *       then parked in {@code outbox_parked} (see V0_2) and counted in {@link #parkedCount()}. Rows of
 *       other keys keep flowing. Later rows of the same topic and key are held back, not overtaken: a
 *       consumer may rely on one order's events arriving in order (a refund after its payment), and a
 *       held row costs nothing but the wait for an operator.</li>
 *   <li>The lock row missing: the relay refuses to publish ({@link Status#LOCK_ROW_MISSING}) rather than
 *       run unlocked, where two instances could interleave one order's events. It does not recreate the
 *       row: a row of a platform table that vanished means someone changed this database by hand or
 *       pointed the service at the wrong one, and an operator should look first.</li>
 * </ul>
 *
 * <p>Every wait is bounded: the acks by {@link Settings#ackTimeout}, the lock by a lock timeout, each
 * statement by a query timeout, and on PostgreSQL the transaction by {@code idle_in_transaction_session_timeout},
 * so a relay that hangs cannot hold the lock row for longer than that.
 */
public final class OutboxRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final int QUERY_TIMEOUT_SECONDS = 30;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration PARKED_COUNT_REFRESH = Duration.ofSeconds(10);

    /**
     * @param batchSize      rows per transaction
     * @param idlePoll       how long to wait for a wakeup when the outbox had nothing more
     * @param maxRowAttempts failed attempts of one row before it is parked
     * @param ackTimeout     how long a batch waits for the broker's acks (keep it above the producer's
     *                       {@code delivery.timeout.ms}); also bounds how long the lock row is held
     */
    public record Settings(int batchSize, Duration idlePoll, int maxRowAttempts, Duration ackTimeout) {
        public static final Settings DEFAULT = new Settings(500, Duration.ofMillis(50), 5, Duration.ofSeconds(30));

        public Settings {
            if (batchSize < 1 || maxRowAttempts < 1) {
                throw new IllegalArgumentException("batchSize and maxRowAttempts must be at least 1");
            }
        }
    }

    /** What the relay is doing, for {@code /health}. */
    public enum Status {
        /** Publishing, or nothing to publish. */
        PUBLISHING,
        /** Another instance's relay holds the lock on this database; this one takes over when it can. */
        STANDBY,
        /** Kafka, the registry or the database cannot be reached: the rows wait, nothing is parked. */
        RETRYING,
        /** {@code outbox_relay_lock} has no row: refusing to publish unlocked; an operator must restore it. */
        LOCK_ROW_MISSING
    }

    private final String name;
    private final Database db;
    private final Producer<String, byte[]> producer;
    private final Serializer<SpecificRecord> serializer;
    private final Settings settings;
    private final Semaphore wakeups = new Semaphore(0);
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final RowAttempts attempts = new RowAttempts();
    private volatile long parked;
    private volatile Status status = Status.PUBLISHING;
    private volatile boolean running;
    private Thread thread;

    public OutboxRelay(String name, Database db, Producer<String, byte[]> producer,
                       Serializer<SpecificRecord> serializer, Settings settings) {
        this.name = name;
        this.db = db;
        this.producer = producer;
        this.serializer = serializer;
        this.settings = settings;
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException(name + " outbox relay already started");
        }
        running = true;
        thread = new Thread(this::run, name + "-outbox-relay");
        thread.start();
    }

    /** Asks the relay to look at the outbox now rather than at its next poll (not during a backoff). */
    public void wakeup() {
        if (wakeups.availablePermits() == 0) {
            wakeups.release();
        }
    }

    public long publishedCount() {
        return published.get();
    }

    /** Rows parked in this database (by any instance), as of the last count (at most ~10 s old). */
    public long parkedCount() {
        return parked;
    }

    /** Batches cut short because Kafka, the registry or the database could not be reached (then the relay backs off). */
    public long retryCount() {
        return retries.get();
    }

    public Status status() {
        return status;
    }

    /** False while the relay cannot publish: Kafka, the registry or the database away, or the lock row missing. */
    public boolean healthy() {
        return status == Status.PUBLISHING || status == Status.STANDBY;
    }

    private void run() {
        int failuresInARow = 0;
        long parkedCountedAt = System.nanoTime();
        countParked();
        while (running) {
            Duration wait;
            try {
                Batch batch = publishBatch();
                attempts.forget(batch.settled());
                if (!batch.parked().isEmpty() || System.nanoTime() - parkedCountedAt > PARKED_COUNT_REFRESH.toNanos()) {
                    countParked();
                    parkedCountedAt = System.nanoTime();
                }
                if (batch.unreachable() != null) {
                    failuresInARow++;
                    wait = backoff(failuresInARow);
                    retrying(batch.unreachable(), failuresInARow, wait);
                } else {
                    failuresInARow = 0;
                    status = Status.PUBLISHING;
                    // Straight on only after a full batch went out: a batch of rows held behind a failing one must not spin.
                    wait = batch.sent().size() >= settings.batchSize() ? Duration.ZERO : settings.idlePoll();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (LockBusy e) {
                failuresInARow = 0;
                status = Status.STANDBY;
                wait = settings.idlePoll();
            } catch (LockRowMissing e) {
                failuresInARow++;
                wait = backoff(failuresInARow);
                if (status != Status.LOCK_ROW_MISSING || failuresInARow % 20 == 0) {
                    log.error("{} outbox relay refuses to publish: {}", name, e.getMessage(), e);
                }
                status = Status.LOCK_ROW_MISSING;
            } catch (Exception e) {
                failuresInARow++;
                wait = backoff(failuresInARow);
                retrying(e, failuresInARow, wait);
            }
            if (!pause(wait)) {
                return;
            }
        }
    }

    private void retrying(Exception cause, int failuresInARow, Duration wait) {
        status = Status.RETRYING;
        retries.incrementAndGet();
        if (failuresInARow == 1) {
            log.warn("{} outbox relay cannot publish now; the rows wait; retrying in {} ms", name, wait.toMillis(), cause);
        } else {
            log.warn("{} outbox relay still cannot publish (failure {} in a row: {}); retrying in {} ms", name,
                    failuresInARow, cause.toString(), wait.toMillis());
        }
    }

    private static Duration backoff(int failuresInARow) {
        return Backoff.after(failuresInARow, Duration.ofMillis(100), MAX_BACKOFF);
    }

    /** Waits before the next batch: a wakeup ends an idle wait, not a backoff. False when stopping. */
    private boolean pause(Duration wait) {
        try {
            if (status == Status.PUBLISHING || status == Status.STANDBY) {
                if (!wait.isZero()) {
                    wakeups.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
                    wakeups.drainPermits();
                }
                return running;
            }
            return !stopRequested.await(wait.toMillis(), TimeUnit.MILLISECONDS) && running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void countParked() {
        try {
            parked = db.read(c -> {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM outbox_parked")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
        } catch (Exception e) {
            log.debug("{} outbox relay could not count parked rows now; keeping {}", name, parked, e);
        }
    }

    /** Publishes up to one batch. */
    private Batch publishBatch() throws Exception {
        return db.inTransaction(tx -> {
            boundWaits(tx);
            lock(tx);
            List<Row> rows = select(tx);
            if (rows.isEmpty()) {
                return new Batch(List.of(), List.of(), null);
            }
            Set<String> held = new HashSet<>(); // topic+key of a row that did not go out: its later rows wait too
            List<InFlight> inFlight = new ArrayList<>();
            List<Parking> toPark = new ArrayList<>();
            Exception unreachable = null;
            for (Row row : rows) {
                if (held.contains(row.orderingKey())) {
                    continue;
                }
                if (!attempts.due(row.id())) {
                    held.add(row.orderingKey());
                    continue;
                }
                try {
                    Future<RecordMetadata> ack = producer.send(toRecord(row));
                    if (ack.isDone()) {
                        ack.get(); // failed at once (e.g. no metadata within max.block.ms): find out how before sending more
                    }
                    inFlight.add(new InFlight(row, ack));
                } catch (ExecutionException | RuntimeException e) {
                    Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                    if (isUnreachable(cause)) {
                        unreachable = asException(cause); // every later row would fail alike: stop sending
                        break;
                    }
                    held.add(row.orderingKey());
                    rowFailed(row, cause, toPark);
                }
            }
            List<Long> sent = new ArrayList<>();
            long deadline = System.nanoTime() + settings.ackTimeout().toNanos();
            for (InFlight f : inFlight) {
                try {
                    f.ack().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (!held.contains(f.row().orderingKey())) {
                        sent.add(f.row().id());
                    }
                } catch (ExecutionException e) {
                    held.add(f.row().orderingKey());
                    if (isUnreachable(e.getCause())) {
                        unreachable = unreachable != null ? unreachable : asException(e.getCause());
                    } else {
                        rowFailed(f.row(), e.getCause(), toPark);
                    }
                } catch (TimeoutException e) {
                    held.add(f.row().orderingKey());
                    unreachable = unreachable != null ? unreachable
                            : new TimeoutException("No ack within " + settings.ackTimeout().toMillis() + " ms");
                }
            }
            CrashPoints.hit(CrashPoints.OUTBOX_AFTER_SEND);
            delete(tx, sent);
            park(tx, toPark);
            published.addAndGet(sent.size());
            log.debug("{} outbox relay published {} events, parked {}", name, sent.size(), toPark.size());
            return new Batch(sent, toPark.stream().map(p -> p.row().id()).toList(), unreachable);
        });
    }

    /** Whether the failure is about the environment (retry everything later) rather than this row. */
    private boolean isUnreachable(Throwable failure) {
        // While stopping, the producer is closed under the batch: that says nothing about the row.
        return !running || Failures.classify(failure) == FailureKind.TRANSIENT;
    }

    private static Exception asException(Throwable t) {
        return t instanceof Exception e ? e : new IllegalStateException(t);
    }

    private void rowFailed(Row row, Throwable cause, List<Parking> toPark) {
        int n = attempts.failed(row.id());
        if (n >= settings.maxRowAttempts()) {
            log.error("{} outbox relay parks row {} ({} for {} key {}) after {} failed attempts; the later rows of its key "
                    + "wait for it. Fix the cause, then DELETE FROM outbox_parked WHERE outbox_id = {} to publish it", name,
                    row.id(), row.type(), row.topic(), row.key(), n, row.id(), cause);
            toPark.add(new Parking(row, n, Failures.describe(cause)));
        } else {
            log.warn("{} outbox relay could not publish row {} ({} for {} key {}), attempt {} of {}: {}", name, row.id(),
                    row.type(), row.topic(), row.key(), n, settings.maxRowAttempts(), Failures.describe(cause));
        }
    }

    private void boundWaits(Connection tx) throws SQLException {
        long ackMs = settings.ackTimeout().toMillis();
        try (Statement s = tx.createStatement()) {
            // A relay waiting for the lock gets it when the active one's batch ends (acks included); if that
            // one hangs (a stalled JVM), PostgreSQL ends its session and the lock is free again.
            s.execute("SET LOCAL lock_timeout = '" + (ackMs + 5_000) + "ms'; "
                    + "SET LOCAL idle_in_transaction_session_timeout = '" + (2 * ackMs + 10_000) + "ms'");
        }
    }

    private static void lock(Connection tx) throws SQLException {
        try (PreparedStatement lock = tx.prepareStatement("SELECT name FROM outbox_relay_lock WHERE name = 'relay' FOR UPDATE")) {
            lock.setQueryTimeout(QUERY_TIMEOUT_SECONDS * 3);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next()) {
                    throw new LockRowMissing();
                }
            }
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState())) {
                throw new LockBusy(e);
            }
            throw e;
        }
    }

    private List<Row> select(Connection tx) throws SQLException {
        // Rows of a key with a parked row are held back: its events leave in order or not at all.
        try (PreparedStatement select = tx.prepareStatement("SELECT o.id, o.topic, o.record_key, o.event_type, o.event_id, "
                + "o.payload, o.correlation_id, o.traceparent FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM outbox_parked p "
                + "WHERE p.topic = o.topic AND p.record_key = o.record_key) ORDER BY o.id FETCH FIRST "
                + settings.batchSize() + " ROWS ONLY")) {
            select.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet rs = select.executeQuery()) {
                List<Row> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getBytes(6), rs.getString(7), rs.getString(8)));
                }
                return rows;
            }
        }
    }

    private ProducerRecord<String, byte[]> toRecord(Row row) {
        SpecificRecord event = AvroBinary.decode(row.type(), row.payload());
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(row.topic(), row.key(), serializer.serialize(row.topic(), event));
        header(record, TraceContext.EVENT_ID, row.eventId());
        header(record, TraceContext.EVENT_TYPE, row.type());
        header(record, TraceContext.CORRELATION_ID, row.correlationId());
        header(record, TraceContext.TRACEPARENT, row.traceparent());
        return record;
    }

    private static void header(ProducerRecord<String, byte[]> record, String name, String value) {
        if (value != null) {
            record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void delete(Connection tx, List<Long> ids) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        // One statement for the batch (not one per row): one plan, one executor start, one index scan.
        try (PreparedStatement delete = tx.prepareStatement("DELETE FROM outbox WHERE id = ANY(?)")) {
            delete.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            delete.setArray(1, tx.createArrayOf("bigint", ids.toArray()));
            delete.executeUpdate();
        }
    }

    private static void park(Connection tx, List<Parking> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement insert = tx.prepareStatement("INSERT INTO outbox_parked (outbox_id, topic, record_key, "
                + "attempts, reason, parked_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            insert.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            for (Parking p : rows) {
                insert.setLong(1, p.row().id());
                insert.setString(2, p.row().topic());
                insert.setString(3, p.row().key());
                insert.setInt(4, p.attempts());
                insert.setString(5, p.reason());
                insert.setTimestamp(6, Timestamp.from(Instant.now()));
                insert.addBatch();
            }
            insert.executeBatch();
        }
    }

    @Override
    public void close() {
        running = false;
        stopRequested.countDown();
        wakeup();
        Thread t = thread;
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producer.close(Duration.ofSeconds(5));
    }

    private record Row(long id, String topic, String key, String type, String eventId, byte[] payload,
                       String correlationId, String traceparent) {
        String orderingKey() {
            return topic + '\u0000' + key;
        }
    }

    private record InFlight(Row row, Future<RecordMetadata> ack) {
    }

    private record Parking(Row row, int attempts, String reason) {
    }

    /** What one batch did: ids published and parked, and the environment failure that cut it short. */
    private record Batch(List<Long> sent, List<Long> parked, Exception unreachable) {
        List<Long> settled() {
            List<Long> all = new ArrayList<>(sent);
            all.addAll(parked);
            return all;
        }
    }

    /** The lock row is gone: publishing without it could interleave two relays' batches. */
    private static final class LockRowMissing extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        LockRowMissing() {
            super("table outbox_relay_lock has no row 'relay', so this relay cannot make sure it is the only one "
                    + "publishing; restore it with: INSERT INTO outbox_relay_lock (name) VALUES ('relay')");
        }
    }

    /** Another relay holds the lock for longer than our lock timeout: it is publishing; we wait our turn. */
    private static final class LockBusy extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        LockBusy(SQLException cause) {
            super("outbox relay lock held by another relay", cause);
        }
    }
}
