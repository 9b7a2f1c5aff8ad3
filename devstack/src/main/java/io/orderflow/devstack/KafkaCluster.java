package io.orderflow.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka cluster of {@code size} KRaft nodes (broker and controller each), every node a JVM of
 * its own ({@link KafkaNode} in a {@link ChildJvm}) so that a drill can kill -9, pause or restart one
 * of them. Internal topics are replicated (RF 3, min ISR 2, the transaction state log too); the flow's
 * topics are created by the services with {@code TOPIC_REPLICATION_FACTOR=3} (min ISR 2). A node keeps
 * its ports and data across restarts.
 *
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.start(dir, 3)) {
 *     cluster.bootstrapServers();               // 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3
 *     cluster.kill9(cluster.leaderOf("payments.events", 0));
 * }
 * }</pre>
 */
public final class KafkaCluster implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    /** One node: its id, ports and process. */
    public record NodeProcess(int id, int port, int controllerPort, ChildJvm jvm) {
    }

    private final List<NodeProcess> nodes;

    private KafkaCluster(List<NodeProcess> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /** Starts {@code size} nodes on free ports (data and logs under {@code dir}) and waits until all are registered. */
    public static KafkaCluster start(Path dir, int size) {
        List<int[]> ports = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            ports.add(new int[]{FreePort.orPick(0), FreePort.orPick(0)});
        }
        String quorum = java.util.stream.IntStream.range(0, size)
                .mapToObj(i -> (i + 1) + "@" + HOST + ":" + ports.get(i)[1]).collect(Collectors.joining(","));
        String clusterId = clusterId(dir);
        List<NodeProcess> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            int id = i + 1;
            List<String> args = List.of("--node-id", String.valueOf(id), "--data", dir.resolve("node-" + id).toString(),
                    "--port", String.valueOf(ports.get(i)[0]), "--controller-port", String.valueOf(ports.get(i)[1]),
                    "--quorum", quorum, "--cluster-id", clusterId);
            // Serial GC and a small heap: three brokers share a small machine with the services (~200 MB RSS each).
            ChildJvm jvm = ChildJvm.of("kafka-" + id, KafkaNode.class.getName(),
                    List.of("-Xmx256m", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true"), args, Map.of(),
                    dir.resolve("kafka-" + id + ".log"));
            nodes.add(new NodeProcess(id, ports.get(i)[0], ports.get(i)[1], jvm));
        }
        KafkaCluster cluster = new KafkaCluster(nodes);
        try {
            nodes.forEach(n -> n.jvm().start());
            cluster.awaitRegistered(cluster.ids(), START_TIMEOUT);
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private static String clusterId(Path dir) {
        Path file = dir.resolve("cluster.id");
        try {
            Files.createDirectories(dir);
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            String id = Uuid.randomUuid().toString();
            Files.writeString(file, id, StandardCharsets.UTF_8);
            return id;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or write " + file, e);
        }
    }

    /** Every node's address, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return nodes.stream().map(n -> HOST + ":" + n.port()).collect(Collectors.joining(","));
    }

    public List<NodeProcess> nodes() {
        return nodes;
    }

    public Set<Integer> ids() {
        return nodes.stream().map(NodeProcess::id).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    public NodeProcess node(int id) {
        return nodes.stream().filter(n -> n.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node " + id + " in " + ids()));
    }

    /** SIGKILL one node (no controlled shutdown: its partitions lose their leader until it is fenced). */
    public void kill9(int id) {
        node(id).jvm().kill9();
    }

    /** Starts a killed or stopped node again and waits until the cluster sees it registered. */
    public void restart(int id) {
        ChildJvm jvm = node(id).jvm();
        if (!jvm.isAlive()) {
            jvm.start();
        }
        jvm.awaitLogLine(Pattern.compile(Pattern.quote(KafkaNode.READY)), START_TIMEOUT);
        awaitRegistered(Set.of(id), START_TIMEOUT);
    }

    /** SIGKILL every node at once (the whole cluster gone, as in a power cut). */
    public void killAll() {
        nodes.forEach(n -> n.jvm().kill9());
    }

    /** Starts every node that is not running and waits until all are registered. */
    public void startAll() {
        nodes.stream().filter(n -> !n.jvm().isAlive()).forEach(n -> n.jvm().start());
        awaitRegistered(ids(), START_TIMEOUT);
    }

    /** The id of the node leading {@code topic}'s {@code partition}. */
    public int leaderOf(String topic, int partition) {
        try (Admin admin = admin()) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            Node leader = d.partitions().get(partition).leader();
            if (leader == null) {
                throw new IllegalStateException(topic + "-" + partition + " has no leader");
            }
            return leader.id();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Cannot describe " + topic, e);
        }
    }

    /**
     * Waits until no partition of any topic has fewer in-sync replicas than replicas (a restarted node
     * caught up), so that the next kill leaves every partition at least {@code min.insync.replicas}.
     */
    public void awaitFullyReplicated(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                try {
                    Set<String> names = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                            .names().get(10, TimeUnit.SECONDS);
                    Collection<TopicDescription> all = admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values();
                    List<String> under = new ArrayList<>();
                    for (TopicDescription d : all) {
                        for (TopicPartitionInfo p : d.partitions()) {
                            if (p.isr().size() < p.replicas().size()) {
                                under.add(d.name() + "-" + p.partition());
                            }
                        }
                    }
                    if (under.isEmpty()) {
                        return;
                    }
                    last = under.size() + " under-replicated, e.g. " + under.get(0);
                } catch (ExecutionException | TimeoutException e) {
                    last = e.toString();
                }
                pauseBriefly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("Cluster not fully replicated within " + timeout + ": " + last);
    }

    private void awaitRegistered(Set<Integer> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        try (Admin admin = admin()) {
            while (System.nanoTime() < deadline) {
                for (NodeProcess n : nodes) {
                    if (wanted.contains(n.id()) && !n.jvm().isAlive()) {
                        throw new IllegalStateException(n.jvm().name() + " exited while starting; its log ends:\n" + n.jvm().tail(40));
                    }
                }
                try {
                    Set<Integer> seen = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).stream().map(Node::id)
                            .collect(Collectors.toSet());
                    if (seen.containsAll(wanted)) {
                        return;
                    }
                    last = "registered " + seen;
                } catch (ExecutionException | TimeoutException e) {
                    last = e.toString();
                }
                pauseBriefly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("Kafka nodes " + wanted + " not registered within " + timeout + " (" + last + ")");
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
    }

    private static void pauseBriefly() {
        try {
            Thread.sleep(250); // polling another process: nothing to wait on but time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops every node (SIGTERM, SIGKILL after 15 s). */
    @Override
    public void close() {
        nodes.parallelStream().forEach(n -> n.jvm().stop(Duration.ofSeconds(15)));
    }
}
