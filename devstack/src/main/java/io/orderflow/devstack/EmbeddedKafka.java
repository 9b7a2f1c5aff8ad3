package io.orderflow.devstack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka (KRaft, broker and controller in one process) from Apache's
 * own jars, bound to loopback. Its data directory keeps the cluster id, so a new instance on the
 * same directory sees the topics, records and committed offsets of the previous one.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).build().start()) {
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";
    private static final int SINGLE_NODE_ID = 1;
    private static final String CLUSTER_ID_FILE = "cluster.id";

    private final Path dataDir;
    private final int requestedBrokerPort;
    private final int requestedControllerPort;
    private final Duration startTimeout;
    private final Map<String, String> overrides;
    private final int nodeId;
    private final String quorumVoters;
    private final String givenClusterId;

    private KafkaRaftServer server;
    private int brokerPort;
    private int controllerPort;
    private String clusterId;

    private EmbeddedKafka(Builder builder) {
        this.dataDir = Objects.requireNonNull(builder.dataDir, "dataDir").toAbsolutePath();
        this.requestedBrokerPort = builder.brokerPort;
        this.requestedControllerPort = builder.controllerPort;
        this.startTimeout = builder.startTimeout;
        this.overrides = Map.copyOf(builder.overrides);
        this.nodeId = builder.nodeId;
        this.quorumVoters = builder.quorumVoters;
        this.givenClusterId = builder.clusterId;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Formats the storage on first use, starts the broker and waits until it answers an Admin call. */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            throw new IllegalStateException("Already started");
        }
        long began = System.nanoTime();
        // A restart keeps the ports it had, so clients reconnect to the same address (outage drills).
        brokerPort = brokerPort != 0 ? brokerPort : FreePort.orPick(requestedBrokerPort);
        controllerPort = controllerPort != 0 ? controllerPort : FreePort.orPick(requestedControllerPort);
        clusterId = loadOrCreateClusterId();
        Path logDir = dataDir.resolve("kafka-logs");
        KafkaConfig config = new KafkaConfig(brokerProperties(logDir), false);
        format(logDir);
        server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
            awaitReady();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("Kafka ready on {} (cluster {}, data {}) in {} ms", bootstrapServers(), clusterId, dataDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        return this;
    }

    /** {@code 127.0.0.1:<port>}; valid after {@link #start()}. */
    public String bootstrapServers() {
        requireStarted();
        return HOST + ":" + brokerPort;
    }

    public int brokerPort() {
        requireStarted();
        return brokerPort;
    }

    public int controllerPort() {
        requireStarted();
        return controllerPort;
    }

    /** The cluster id kept in the data directory. */
    public String clusterId() {
        requireStarted();
        return clusterId;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and waits until it has shut down; safe to call twice. {@link #start()} brings it back on the same ports. */
    public void stop() {
        close();
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        long began = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            server = null;
        }
        log.info("Kafka on port {} stopped in {} ms", brokerPort, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }

    private Map<String, String> brokerProperties(Path logDir) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(nodeId));
        // Static quorum (no dynamic-quorum formatting needed): this node alone, or the cluster's voters.
        p.put("controller.quorum.voters", quorumVoters != null ? quorumVoters : nodeId + "@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        // One broker: every internal topic must accept a replication factor and min ISR of 1.
        p.put("offsets.topic.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        // Without these two, EOS (Kafka Streams exactly_once_v2) hangs: __transaction_state cannot be created.
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // Few partitions for the internal topics: the first group / transaction gets going much sooner.
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.num.partitions", "4");
        // A single-member group should not wait 3 s for other members to join.
        p.put("group.initial.rebalance.delay.ms", "0");
        // The 128 MB default buffer of the log cleaner is wasted heap in dev.
        p.put("log.cleaner.dedupe.buffer.size", "4194304");
        // Topics are created on purpose, with the right partition count; a typo must fail, not create one.
        p.put("auto.create.topics.enable", "false");
        p.putAll(overrides);
        return p;
    }

    /** Idempotent: an already formatted directory is left as it is. */
    private void format(Path logDir) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            Files.createDirectories(logDir);
            new Formatter()
                    .setPrintStream(new PrintStream(output, true, StandardCharsets.UTF_8))
                    .setNodeId(nodeId)
                    .setClusterId(clusterId)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(logDir.toString())
                    .setHasDynamicQuorum(false)
                    .setIgnoreFormatted(true)
                    .addDirectory(logDir.toString())
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot format Kafka storage in " + logDir + ": " + output, e);
        }
        log.debug("Formatter: {}", output.toString(StandardCharsets.UTF_8).trim());
    }

    private String loadOrCreateClusterId() {
        Path file = dataDir.resolve(CLUSTER_ID_FILE);
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            Files.createDirectories(dataDir);
            String id = givenClusterId != null ? givenClusterId : Uuid.randomUuid().toString();
            Files.writeString(file, id, StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or write " + file, e);
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, HOST + ":" + brokerPort,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) startTimeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
            while (System.nanoTime() < deadline) {
                long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) Math.min(leftMs, 5_000)))
                            .nodes().get(leftMs, TimeUnit.MILLISECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for Kafka on " + bootstrapServers(), e);
                }
            }
        }
        throw new IllegalStateException("Kafka on " + HOST + ":" + brokerPort + " did not answer describeCluster within "
                + startTimeout.toMillis() + " ms (data dir " + dataDir + ")", last);
    }

    private void requireStarted() {
        if (clusterId == null) {
            throw new IllegalStateException("EmbeddedKafka not started");
        }
    }

    /** Settings of an {@link EmbeddedKafka}; ports 0 (the default) pick free ports on 127.0.0.1. */
    public static final class Builder {
        private Path dataDir;
        private int brokerPort;
        private int controllerPort;
        private Duration startTimeout = Duration.ofSeconds(60);
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private int nodeId = SINGLE_NODE_ID;
        private String quorumVoters;
        private String clusterId;

        private Builder() {
        }

        /** This node's id in a cluster ({@code node.id}); 1 by default. */
        public Builder nodeId(int nodeId) {
            this.nodeId = nodeId;
            return this;
        }

        /**
         * The static controller quorum of a cluster, e.g. {@code 1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097};
         * by default this node alone. Each node of a cluster must also be given the same {@link #clusterId(String)}.
         */
        public Builder quorumVoters(String voters) {
            this.quorumVoters = voters;
            return this;
        }

        /** The cluster id to format a new data directory with (every node of a cluster needs the same); random by default. */
        public Builder clusterId(String clusterId) {
            this.clusterId = clusterId;
            return this;
        }

        /** Where the logs, metadata and cluster id live; reuse it to keep the data across restarts. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        public Builder brokerPort(int port) {
            this.brokerPort = port;
            return this;
        }

        public Builder controllerPort(int port) {
            this.controllerPort = port;
            return this;
        }

        /** How long {@link EmbeddedKafka#start()} waits for the broker to answer (default 60 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Any broker setting, applied over the defaults. */
        public Builder brokerProperty(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public EmbeddedKafka build() {
            return new EmbeddedKafka(this);
        }
    }
}
