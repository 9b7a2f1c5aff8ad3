package io.orderflow.platform.streams;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.orderflow.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a Kafka Streams topology with exactly-once processing and blocks start-up until it is
 * RUNNING (or fails loudly after a time limit), so a service is never "ready" with its Streams app
 * still restoring. Afterwards it is healthy while RUNNING, or REBALANCING for less than a grace
 * ({@link StreamsReadiness}). A record it cannot read or process goes to {@code <application id>.dlt}
 * and the app goes on ({@link DeadLetterDeserializationHandler}, {@link DeadLetterProcessingHandler}).
 */
public final class StreamsApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamsApp.class);

    /** How long a REBALANCING app still counts as healthy, unless the caller says otherwise. */
    public static final Duration DEFAULT_REBALANCE_GRACE = Duration.ofSeconds(30);

    private final KafkaStreams streams;
    private final String applicationId;
    private final StreamsReadiness readiness;
    private KafkaStreamsMetrics metrics;

    public StreamsApp(Topology topology, Properties config) {
        this(topology, config, DEFAULT_REBALANCE_GRACE);
    }

    /** @param rebalanceGrace how long the app may be REBALANCING before it is reported unhealthy */
    public StreamsApp(Topology topology, Properties config, Duration rebalanceGrace) {
        this.applicationId = config.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
        this.readiness = new StreamsReadiness(rebalanceGrace, Clock.systemUTC());
        this.streams = new KafkaStreams(topology, config);
        // A failing stream thread is replaced; the failed task's uncommitted work is redone (EOS).
        streams.setUncaughtExceptionHandler(e -> {
            log.error("{}: stream thread failed; replacing it", applicationId, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    }

    /** Safe defaults for the flow's Streams apps; the caller adds serdes and its own settings. */
    public static Properties defaults(String applicationId, String bootstrapServers, String stateDir, short replicationFactor) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        // Read, update the state store and write the outputs in one Kafka transaction.
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replicationFactor);
        // Under EOS the commit interval is the latency of every output: keep it short.
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        // A member that died without leaving is noticed in 10 s rather than 45 s.
        p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 10_000);
        p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 2_000);
        p.put(StreamsConfig.topicPrefix("min.insync.replicas"), String.valueOf(Math.max(1, Math.min(2, replicationFactor - 1))));
        // Every RocksDB store of the process under one off-heap budget, not ~100 MB per store instance.
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
        p.putAll(deadLettering(applicationId));
        return p;
    }

    /**
     * A record the app cannot read or process goes to {@code <applicationId>.dlt} (which must exist,
     * see {@code TopicAdmin.ensureTopics}) and the app goes on, instead of failing its thread on the
     * same record again and again.
     */
    public static Properties deadLettering(String applicationId) {
        Properties p = new Properties();
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, Topics.deadLetterTopic(applicationId));
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class);
        return p;
    }

    /**
     * Starts the app and waits up to {@code timeout} for RUNNING. An app still starting or rebalancing after
     * that is left to get there (readiness DOWN until it does); one that failed throws.
     */
    public void start(Duration timeout) throws TimeoutException, InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            log.info("{}: {} -> {}", applicationId, before, now);
            readiness.changed(now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.start();
        if (!running.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            KafkaStreams.State state = streams.state();
            if (state.isRunningOrRebalancing()) {
                // Still getting there (e.g. after a kill -9, waiting for the broker to settle the dead instance's
                // transaction): exiting would only start the same wait again. Readiness says DOWN meanwhile.
                log.warn("{}: not RUNNING after {} (state {}); going on, and not ready until it is", applicationId,
                        timeout, state);
                return;
            }
            throw new TimeoutException(applicationId + " not RUNNING after " + timeout + " (state " + state + ")");
        }
    }

    /** Kafka Streams' own figures (process rate and latency per thread and task, commit latency...) in {@code registry}. */
    public void bindMetrics(MeterRegistry registry) {
        metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(registry);
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /**
     * RUNNING, or REBALANCING for less than the grace after having been RUNNING. DOWN before the first
     * RUNNING, and at once in PENDING_SHUTDOWN, PENDING_ERROR, ERROR and NOT_RUNNING.
     */
    public boolean isHealthy() {
        return readiness.isReady();
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
        // Leave the group on the way out: a restart then rebalances at once instead of waiting for
        // the old member's session to time out.
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(10)));
    }
}
