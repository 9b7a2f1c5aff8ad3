package io.orderflow.platform.consumer;

import io.orderflow.platform.db.Database;
import io.orderflow.platform.failure.FailureKind;
import io.orderflow.platform.failure.Failures;
import io.orderflow.platform.kafka.TraceContext;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Applies one poll's records. Fast path: the decoded records of the poll, with their inbox entries, in
 * one DB transaction (per partition, up to its first record for the DLT, if any). When that fails, record
 * by record in offset order per partition, each in its own transaction, and every failure is sorted once ({@link Failures}) into what {@link RetryPolicy} does
 * with it: dead-letter now, or stop the partition at that record and retry it after a backoff.
 *
 * <p>It never skips a record: a partition's progress ends at the first record that was neither applied
 * nor dead-lettered, and a DLT that cannot be written is a transient failure like any other.
 */
final class BatchProcessor {

    private static final Logger log = LoggerFactory.getLogger(BatchProcessor.class);

    /**
     * How long one statement of a consumer transaction may wait for a lock, and run at all. Far under
     * {@code max.poll.interval.ms} (5 min): a transaction stuck behind a lock that is not let go (a session
     * idle in its transaction, a long admin statement) or on a statement that never returns fails as TRANSIENT
     * (SQLState 55P03 or 57014) and its partition retries after a backoff, while the loop keeps polling, instead
     * of holding the loop, and with it its partitions, until the group throws the member out.
     */
    record WaitBounds(Duration lock, Duration statement) {
        static final WaitBounds DEFAULT = new WaitBounds(Duration.ofSeconds(20), Duration.ofSeconds(60));

        WaitBounds {
            if (lock.toMillis() < 1 || statement.toMillis() < 1) {
                throw new IllegalArgumentException("wait bounds must be at least 1 ms");
            }
        }
    }

    /** Retry the record at {@code offset} after {@code backoff}. */
    record Retry(long offset, Duration backoff) {
    }

    /**
     * What became of one partition's records: every record before {@code commitOffset} was applied or
     * dead-lettered; {@code retry}, if any, is the record to try again (then {@code commitOffset} is its offset).
     */
    record Progress(TopicPartition partition, long firstOffset, long commitOffset, Retry retry) {
        boolean advanced() {
            return commitOffset > firstOffset;
        }
    }

    private final String group;
    private final RecordDecoder decoder;
    private final Database db;
    private final Inbox inbox;
    private final EventHandler handler;
    private final DeadLetters deadLetters;
    private final RetryPolicy retry;
    private final ConsumerMetrics metrics;
    private final FailedAttempts attempts = new FailedAttempts();
    private volatile WaitBounds waitBounds = WaitBounds.DEFAULT;

    BatchProcessor(String group, RecordDecoder decoder, Database db, EventHandler handler, DeadLetters deadLetters,
                   RetryPolicy retry, ConsumerMetrics metrics) {
        this.group = group;
        this.decoder = decoder;
        this.db = db;
        this.inbox = new Inbox(group);
        this.handler = handler;
        this.deadLetters = deadLetters;
        this.retry = retry;
        this.metrics = metrics;
    }

    void waitBounds(WaitBounds bounds) {
        this.waitBounds = bounds;
    }

    /** The partitions were revoked or lost: their stuck records are someone else's now. */
    void forget(java.util.Collection<TopicPartition> partitions) {
        attempts.forget(partitions);
    }

    Map<TopicPartition, Progress> process(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        List<Lane> lanes = new ArrayList<>();
        List<Step> toApply = new ArrayList<>();
        for (TopicPartition tp : records.partitions()) {
            Lane lane = decode(tp, records.records(tp));
            lanes.add(lane);
            // The batch takes a partition's records up to its first record for the DLT: nothing after a record
            // is applied before that record is applied or dead-lettered (and the DLT may be unreachable).
            while (lane.batchEnd < lane.steps.size() && lane.steps.get(lane.batchEnd).applies()) {
                toApply.add(lane.steps.get(lane.batchEnd++));
            }
        }
        // One record: its own transaction is the batch; no need to try it twice.
        boolean batchApplied = toApply.size() > 1 && applyAll(toApply);
        Throwable databaseDown = null;
        for (Lane lane : lanes) {
            for (int i = 0; i < lane.steps.size(); i++) {
                Step step = lane.steps.get(i);
                boolean inAppliedBatch = batchApplied && i < lane.batchEnd;
                if (databaseDown != null && step.applies() && !inAppliedBatch) {
                    // The database is unreachable: this partition's records would only fail the same way now.
                    FailedAttempts.Attempt attempt = attempts.failed(lane.partition, step.record.offset(), FailureKind.TRANSIENT);
                    lane.stopped = retryLater(step.record, databaseDown, FailureKind.TRANSIENT, attempt);
                    break;
                }
                Outcome outcome = settle(lane, step, inAppliedBatch);
                if (outcome == Outcome.DATABASE_DOWN) {
                    databaseDown = lane.failure;
                }
                if (outcome != Outcome.SETTLED) {
                    break;
                }
                lane.settledUpTo = step.record.offset() + 1;
                attempts.settled(lane.partition, step.record.offset());
            }
        }
        Map<TopicPartition, Progress> progress = new LinkedHashMap<>();
        for (Lane lane : lanes) {
            Retry stop = lane.stopped != null ? lane.stopped : lane.decodeStop;
            long commit = stop != null ? stop.offset() : lane.settledUpTo;
            progress.put(lane.partition, new Progress(lane.partition, lane.firstOffset, commit, stop));
        }
        return progress;
    }

    private Lane decode(TopicPartition tp, List<ConsumerRecord<String, byte[]>> records) {
        Lane lane = new Lane(tp, records.get(0).offset());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                lane.steps.add(new Step(record, decoder.decode(record), null, null, 0));
            } catch (RuntimeException e) {
                FailureKind kind = Failures.classify(e);
                FailedAttempts.Attempt attempt = attempts.failed(tp, record.offset(), kind);
                if (retry.deadLetter(kind, attempt.unknown())) {
                    lane.steps.add(new Step(record, null, e, kind, attempt.total()));
                } else {
                    lane.decodeStop = retryLater(record, e, kind, attempt);
                    break;
                }
            }
        }
        return lane;
    }

    private boolean applyAll(List<Step> steps) {
        Tally tally = new Tally();
        // Locks are then taken in one order by every batch, so two members' batches do not deadlock on them.
        List<Step> byKey = BatchOrder.sort(steps, step -> step.record.key(), step -> handler.lockKey(step.event));
        try {
            db.inTransaction(tx -> {
                boundWaits(tx);
                // The whole batch's inbox rows in one statement; then only the events not applied before.
                List<ConsumedEvent> events = new ArrayList<>(byKey.size());
                for (Step step : byKey) {
                    events.add(step.event);
                }
                java.util.Set<String> fresh = inbox.recordAll(tx, events);
                for (Step step : byKey) {
                    // remove: an eventId twice in the batch applies once, at its first record.
                    apply(tx, step, tally, fresh.remove(step.event.eventId()));
                }
                return null;
            });
            tally.addTo(metrics);
            return true;
        } catch (Exception | Error e) {
            rethrowIfFatal(e);
            log.info("{}: a batch of {} records failed ({}); applying them one by one", group, steps.size(), e.toString());
            return false;
        }
    }

    private enum Outcome { SETTLED, RETRY_LATER, DATABASE_DOWN }

    private Outcome settle(Lane lane, Step step, boolean appliedInBatch) throws InterruptedException {
        if (!step.applies()) {
            return deadLetter(lane, step.record, step.failure, step.kind, step.attempts);
        }
        if (appliedInBatch) {
            return Outcome.SETTLED;
        }
        Tally tally = new Tally();
        try {
            db.inTransaction(tx -> {
                boundWaits(tx);
                apply(tx, step, tally, inbox.record(tx, step.event));
                return null;
            });
            tally.addTo(metrics);
            return Outcome.SETTLED;
        } catch (Exception | Error e) {
            rethrowIfFatal(e);
            if (e instanceof InterruptedException) {
                throw (InterruptedException) e;
            }
            FailureKind kind = Failures.classify(e);
            FailedAttempts.Attempt attempt = attempts.failed(lane.partition, step.record.offset(), kind);
            if (retry.deadLetter(kind, attempt.unknown())) {
                return deadLetter(lane, step.record, e, kind, attempt.total());
            }
            lane.stopped = retryLater(step.record, e, kind, attempt);
            lane.failure = e;
            return Failures.databaseUnreachable(e) ? Outcome.DATABASE_DOWN : Outcome.RETRY_LATER;
        }
    }

    /** For this transaction only (SET LOCAL): what a handler sets itself, e.g. a shorter lock timeout, wins after this. */
    private void boundWaits(Connection tx) throws java.sql.SQLException {
        WaitBounds bounds = waitBounds;
        try (java.sql.Statement s = tx.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + bounds.lock().toMillis() + "ms'; SET LOCAL statement_timeout = '"
                    + bounds.statement().toMillis() + "ms'");
        }
    }

    /** Applies {@code step} in {@code tx}, whose inbox row is already written ({@code fresh}) or was there before. */
    @SuppressWarnings("try") // the scope is used for its side effect: the handler's outbox writes continue the trace
    private void apply(Connection tx, Step step, Tally tally, boolean fresh) throws Exception {
        ConsumedEvent event = step.event;
        MDC.put("orderId", event.key());
        try (TraceContext.Scope ignored = TraceContext.fromHeaders(step.record.headers()).open()) {
            if (!fresh) {
                tally.duplicates++;
                log.debug("{}: {} {} already applied; skipped", group, event.value().getSchema().getName(), event.eventId());
                return;
            }
            handler.handle(event, tx);
            tally.applied++;
        } finally {
            MDC.remove("orderId");
        }
    }

    private Outcome deadLetter(Lane lane, ConsumerRecord<String, byte[]> record, Throwable reason, FailureKind kind,
                               int attempt) throws InterruptedException {
        try {
            deadLetters.send(record, reason, kind, attempt);
            metrics.deadLettered.incrementAndGet();
            return Outcome.SETTLED;
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // The DLT could not take it (broker away, topic missing): our failure, not the record's. Keep it.
            FailedAttempts.Attempt again = attempts.failed(lane.partition, record.offset(), FailureKind.TRANSIENT);
            log.warn("{}: cannot dead-letter {}-{}@{} ({}) now; it stays where it is", group, record.topic(),
                    record.partition(), record.offset(), reason.toString());
            lane.stopped = retryLater(record, e, FailureKind.TRANSIENT, again);
            return Outcome.RETRY_LATER;
        }
    }

    private Retry retryLater(ConsumerRecord<String, byte[]> record, Throwable failure, FailureKind kind,
                             FailedAttempts.Attempt attempt) {
        Duration backoff = retry.backoffAfter(attempt.total());
        if (kind == FailureKind.TRANSIENT) {
            metrics.transientRetries.incrementAndGet();
        }
        String what = kind == FailureKind.TRANSIENT ? "transient failure, retried until it passes"
                : "unknown failure " + attempt.unknown() + " of " + retry.maxAttempts() + " before the DLT";
        if (attempt.total() == 1) {
            log.warn("{}: {}-{}@{} (order {}) failed ({}); its partition waits {} ms", group, record.topic(),
                    record.partition(), record.offset(), record.key(), what, backoff.toMillis(), failure);
        } else {
            log.warn("{}: {}-{}@{} (order {}) failed again, attempt {} ({}): {}; its partition waits {} ms", group,
                    record.topic(), record.partition(), record.offset(), record.key(), attempt.total(), what,
                    failure.toString(), backoff.toMillis());
        }
        return new Retry(record.offset(), backoff);
    }

    /** The JVM itself is failing (out of memory): nothing a retry of this record can help with. */
    private static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
            throw (VirtualMachineError) t;
        }
    }

    /** One partition's share of the poll. */
    private static final class Lane {
        final TopicPartition partition;
        final long firstOffset;
        final List<Step> steps = new ArrayList<>();
        /** Steps before this index went into the batch transaction. */
        int batchEnd;
        long settledUpTo;
        Retry decodeStop;
        Retry stopped;
        Throwable failure;

        Lane(TopicPartition partition, long firstOffset) {
            this.partition = partition;
            this.firstOffset = firstOffset;
            this.settledUpTo = firstOffset;
        }
    }

    /** A record to apply ({@code event} set) or to dead-letter ({@code failure} set). */
    private record Step(ConsumerRecord<String, byte[]> record, ConsumedEvent event, Throwable failure, FailureKind kind,
                        int attempts) {
        boolean applies() {
            return event != null;
        }
    }

    /** Counted inside a transaction, published to the metrics only once it committed. */
    private static final class Tally {
        int applied;
        int duplicates;

        void addTo(ConsumerMetrics metrics) {
            metrics.applied.addAndGet(applied);
            metrics.duplicates.addAndGet(duplicates);
        }
    }
}
