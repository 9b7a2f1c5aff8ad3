package io.orderflow.platform.streams;

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
 * still restoring or rebalancing.
 */
public final class StreamsApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamsApp.class);

    private final KafkaStreams streams;
    private final String applicationId;

    public StreamsApp(Topology topology, Properties config) {
        this.applicationId = config.getProperty(StreamsConfig.APPLICATION_ID_CONFIG);
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
        return p;
    }

    public void start(Duration timeout) throws TimeoutException, InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            log.info("{}: {} -> {}", applicationId, before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.start();
        if (!running.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException(applicationId + " not RUNNING after " + timeout + " (state " + streams.state() + ")");
        }
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    public boolean isHealthy() {
        KafkaStreams.State s = streams.state();
        return s == KafkaStreams.State.RUNNING || s == KafkaStreams.State.REBALANCING;
    }

    @Override
    public void close() {
        // Leave the group on the way out: a restart then rebalances at once instead of waiting for
        // the old member's session to time out.
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(10)));
    }
}
