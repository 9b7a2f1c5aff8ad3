package io.orderflow.platform.consumer;

import io.orderflow.platform.crash.CrashPoints;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One KafkaConsumer's life in an {@link IdempotentConsumer}: subscribe, poll, hand the records to the
 * {@link BatchProcessor}, commit what it settled, and park the partitions it could not finish. A parked
 * partition is sought back to its failed record and paused until its backoff has passed, while the loop
 * keeps polling: the member stays in its group however long a database or registry outage lasts.
 *
 * <p>Offsets are committed only after the DB transaction that applied the records committed, and never
 * past a record that was neither applied nor dead-lettered. A commit refused because the group is
 * rebalancing is not a failure: the partitions' next owner gets those records again and the inbox skips
 * them. Any other exception ends this loop; the {@link IdempotentConsumer} starts a new one.
 */
final class PollLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

    private final String group;
    private final Consumer<String, byte[]> consumer;
    private final List<String> topics;
    private final BatchProcessor processor;
    private final ConsumerMetrics metrics;
    private final RatePacer pacer;
    private final Map<TopicPartition, Long> resumeAtNanos = new HashMap<>();
    private volatile long lastPollNanos;
    private volatile boolean progressed;

    PollLoop(String group, Consumer<String, byte[]> consumer, List<String> topics, BatchProcessor processor,
             ConsumerMetrics metrics, RatePacer pacer) {
        this.group = group;
        this.pacer = pacer;
        this.consumer = consumer;
        this.topics = topics;
        this.processor = processor;
        this.metrics = metrics;
    }

    /** Polls until {@code running} turns false; returns then, or throws what ended it. */
    void run(BooleanSupplier running) throws Exception {
        consumer.subscribe(topics, new Listener());
        while (running.getAsBoolean()) {
            resumeDue();
            ConsumerRecords<String, byte[]> records = consumer.poll(POLL_TIMEOUT);
            lastPollNanos = System.nanoTime();
            if (records.isEmpty()) {
                continue;
            }
            long batchStart = lastPollNanos;
            Map<TopicPartition, BatchProcessor.Progress> progress = processor.process(records);
            CrashPoints.hit(CrashPoints.CONSUMER_AFTER_DB_COMMIT);
            commit(progress.values());
            parkUnfinished(progress.values());
            pacer.pace(records.count(), batchStart, running);
        }
    }

    /** Whether a poll returned less than {@code maxGapNanos} ago: the loop is alive and in its group. */
    boolean polledWithin(long maxGapNanos) {
        long last = lastPollNanos;
        return last != 0 && System.nanoTime() - last < maxGapNanos;
    }

    /** Whether this consumer ever committed progress (then a failure after it starts the backoff afresh). */
    boolean progressed() {
        return progressed;
    }

    private void commit(Collection<BatchProcessor.Progress> progress) {
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (BatchProcessor.Progress p : progress) {
            TopicPartition tp = p.partition();
            if (p.retry() == null) {
                // All done. On a topic written in transactions (the saga's) the position is past the commit
                // marker that follows the last record; committing only "last + 1" would leave a lag of 1 forever.
                // No poll happened since these records, so the position skips nothing else.
                long next = assigned.contains(tp) ? Math.max(p.commitOffset(), consumer.position(tp)) : p.commitOffset();
                offsets.put(tp, new OffsetAndMetadata(next));
            } else if (p.advanced()) {
                offsets.put(tp, new OffsetAndMetadata(p.commitOffset()));
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            progressed = true;
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The group rebalanced meanwhile: the partitions' next owner gets these records again, and its inbox skips them.
            log.warn("{}: offsets {} not committed: the group is rebalancing; those records will be redelivered "
                    + "and skipped as duplicates", group, offsets, e);
        }
    }

    private void parkUnfinished(Collection<BatchProcessor.Progress> progress) {
        Set<TopicPartition> assigned = consumer.assignment();
        long now = System.nanoTime();
        for (BatchProcessor.Progress p : progress) {
            if (p.retry() == null || !assigned.contains(p.partition())) {
                continue;
            }
            consumer.seek(p.partition(), p.retry().offset());
            consumer.pause(List.of(p.partition()));
            resumeAtNanos.put(p.partition(), now + p.retry().backoff().toNanos());
        }
        metrics.pausedPartitions.set(resumeAtNanos.size());
    }

    private void resumeDue() {
        if (resumeAtNanos.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        Set<TopicPartition> assigned = consumer.assignment();
        for (Iterator<Map.Entry<TopicPartition, Long>> it = resumeAtNanos.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<TopicPartition, Long> e = it.next();
            if (now - e.getValue() >= 0) {
                if (assigned.contains(e.getKey())) {
                    consumer.resume(List.of(e.getKey()));
                }
                it.remove();
            }
        }
        metrics.pausedPartitions.set(resumeAtNanos.size());
    }

    @Override
    public void close() {
        metrics.pausedPartitions.set(0);
        consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }

    /** Partitions that leave this member take their pause and their failure count with them. */
    private final class Listener implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            // New partitions start unpaused, from their committed offset (a failed record's offset, if it failed here).
        }

        private void forget(Collection<TopicPartition> partitions) {
            resumeAtNanos.keySet().removeAll(partitions);
            processor.forget(partitions);
            metrics.pausedPartitions.set(resumeAtNanos.size());
        }
    }
}
