package io.orderflow.platform.consumer;

import io.orderflow.platform.db.Database;
import io.orderflow.schemas.Topic;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer loop every service uses: poll, decode, apply each new event and record its eventId in the
 * inbox in one DB transaction, commit the DB, then commit the offsets. A redelivered record finds its
 * eventId in the inbox and changes nothing; a crash before the offset commit only causes such a
 * redelivery, never a loss. The parts: {@link PollLoop} (poll, commit, pause), {@link BatchProcessor}
 * (apply, and the retry-or-DLT decision of {@link RetryPolicy}), {@link RecordDecoder}, {@link Inbox},
 * {@link DeadLetters}.
 *
 * <p>This class supervises: its thread never dies silently. When the loop fails for any reason but
 * shutdown (a commit that times out while the broker is away, an error from {@code poll()}, a bug), the
 * failure is logged with its cause, the KafkaConsumer is closed, and after a backoff a new one is created
 * and joins the group again; uncommitted records are redelivered and the inbox drops what was applied.
 * {@link #ready()} is false from the failure until the new consumer polls, and whenever the loop has not
 * polled within {@code max.poll.interval.ms} (stuck in a batch: the group no longer counts it as a member).
 */
public final class IdempotentConsumer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IdempotentConsumer.class);

    private final String group;
    private final Properties consumerConfig;
    private final List<String> topics;
    private final BatchProcessor processor;
    private final RetryPolicy retry;
    private final long maxPollIntervalNanos;
    private final ConsumerMetrics metrics = new ConsumerMetrics();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile Thread thread;
    private volatile PollLoop current;
    private volatile boolean running;
    private RatePacer pacer = RatePacer.UNLIMITED;

    /**
     * @param consumerConfig settings of every KafkaConsumer it creates (from {@code KafkaClients.consumer}: values
     *                       as bytes, auto-commit off); its {@code max.poll.interval.ms} also bounds {@link #ready()}
     */
    public IdempotentConsumer(String group, Properties consumerConfig, Collection<Topic> topics,
                              Deserializer<SpecificRecord> deserializer, Database db, EventHandler handler,
                              DeadLetters deadLetters, RetryPolicy retry) {
        this.group = group;
        this.consumerConfig = consumerConfig;
        this.topics = topics.stream().map(Topic::name).toList();
        this.processor = new BatchProcessor(group, new RecordDecoder(deserializer), db, handler, deadLetters, retry, metrics);
        this.retry = retry;
        this.maxPollIntervalNanos = TimeUnit.MILLISECONDS.toNanos(maxPollIntervalMs(consumerConfig));
    }

    private static long maxPollIntervalMs(Properties config) {
        Object value = config.get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        if (value == null) {
            value = ConsumerConfig.configDef().defaultValues().get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
        }
        return Long.parseLong(value.toString());
    }

    /**
     * Caps the records this loop applies per second (0: no cap); set before {@link #start()}. The records
     * wait in Kafka (lag), see {@link RatePacer}.
     */
    public synchronized IdempotentConsumer maxRecordsPerSecond(int max) {
        if (thread != null) {
            throw new IllegalStateException(group + " consumer already started");
        }
        this.pacer = new RatePacer(max);
        return this;
    }

    /** Bounds on every DB wait of this loop's transactions ({@link BatchProcessor.WaitBounds#DEFAULT} unless set); before {@link #start()}. */
    synchronized IdempotentConsumer waitBounds(Duration lock, Duration statement) {
        if (thread != null) {
            throw new IllegalStateException(group + " consumer already started");
        }
        processor.waitBounds(new BatchProcessor.WaitBounds(lock, statement));
        return this;
    }

    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException(group + " consumer already started");
        }
        running = true;
        Object clientId = consumerConfig.get(ConsumerConfig.CLIENT_ID_CONFIG);
        thread = new Thread(this::supervise, clientId != null ? clientId.toString() : group + "-consumer");
        thread.start();
    }

    /** Polling as a member of its group right now (readiness). */
    public boolean ready() {
        PollLoop loop = current;
        Thread t = thread;
        return running && t != null && t.isAlive() && loop != null && loop.polledWithin(maxPollIntervalNanos);
    }

    public long appliedCount() {
        return metrics.applied.get();
    }

    public long duplicateCount() {
        return metrics.duplicates.get();
    }

    public long deadLetteredCount() {
        return metrics.deadLettered.get();
    }

    /** Times a partition was paused to retry a record after a transient failure. */
    public long transientRetryCount() {
        return metrics.transientRetries.get();
    }

    /** Times the loop failed and was started again with a new KafkaConsumer. */
    public long restartCount() {
        return metrics.restarts.get();
    }

    /** Partitions paused right now, each waiting to retry a record. */
    public int pausedPartitionCount() {
        return metrics.pausedPartitions.get();
    }

    private void supervise() {
        int failuresInARow = 0;
        try {
            while (running) {
                PollLoop loop = null;
                try {
                    loop = new PollLoop(group, new KafkaConsumer<>(consumerConfig), topics, processor, metrics, pacer);
                    current = loop;
                    loop.run(() -> running);
                    return;
                } catch (Exception | Error e) {
                    if (!running) {
                        return; // shutting down: whatever the loop was doing, its records are redelivered to the next owner
                    }
                    if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                        log.error("{} consumer loop stopped: the JVM is failing; readiness stays DOWN", group, e);
                        throw (VirtualMachineError) e;
                    }
                    failuresInARow = loop != null && loop.progressed() ? 1 : failuresInARow + 1;
                    metrics.restarts.incrementAndGet();
                    Duration backoff = retry.backoffAfter(failuresInARow);
                    log.error("{} consumer loop failed; closing its consumer and starting a new one in {} ms "
                            + "(failure {} in a row); uncommitted records will be redelivered", group, backoff.toMillis(),
                            failuresInARow, e);
                    current = null;
                    closeQuietly(loop);
                    loop = null;
                    if (stopRequested.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } finally {
                    current = null;
                    closeQuietly(loop);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            stopped.countDown();
        }
    }

    private void closeQuietly(PollLoop loop) {
        if (loop == null) {
            return;
        }
        try {
            loop.close();
        } catch (RuntimeException e) {
            log.warn("{}: closing the failed consumer failed too", group, e);
        }
    }

    @Override
    public void close() {
        // No wakeup(): the loop sees the flag within one poll timeout, after finishing and committing its batch.
        running = false;
        stopRequested.countDown();
        if (thread == null) {
            return;
        }
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                log.warn("{} consumer did not stop within 30 s", group);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
