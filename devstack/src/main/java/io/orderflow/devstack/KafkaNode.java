package io.orderflow.devstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * One node of a KRaft cluster (broker and controller in one process) until the process is stopped:
 * {@code broker --node-id N --data DIR --port P --controller-port C --quorum 1@127.0.0.1:C1,2@... --cluster-id ID
 * [--property key=value]...}. With more than one voter, the internal topics are replicated like the
 * flow's (RF up to 3, min ISR 2, the transaction state log too: Streams EOS needs it) and a dead
 * broker is fenced after 3 s instead of 9, so {@code acks=all} writes stall that long, not longer.
 */
public final class KafkaNode {

    /** Printed once the node answers; {@link KafkaCluster} and drills wait for it. */
    public static final String READY = "kafka node ready";

    private KafkaNode() {
    }

    /** The broker settings of a node among {@code voters} nodes (replication of the internal topics, fencing). */
    public static Map<String, String> clusterProperties(int voters) {
        Map<String, String> p = new LinkedHashMap<>();
        String rf = String.valueOf(Math.min(3, voters));
        String minIsr = String.valueOf(Math.max(1, Math.min(2, voters - 1)));
        p.put("offsets.topic.replication.factor", rf);
        p.put("transaction.state.log.replication.factor", rf);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("share.coordinator.state.topic.replication.factor", rf);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("default.replication.factor", rf);
        p.put("min.insync.replicas", minIsr);
        // Fence a dead broker after 3 s (default 9): acks=all waits for the ISR until then (KAFKA-NOTES).
        p.put("broker.session.timeout.ms", "3000");
        p.put("broker.heartbeat.interval.ms", "500");
        return p;
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> o = new LinkedHashMap<>();
        List<String> properties = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i].replaceFirst("^--", "");
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (name.equals("property")) {
                properties.add(args[++i]);
            } else {
                o.put(name, args[++i]);
            }
        }
        for (String required : List.of("node-id", "data", "port", "controller-port")) {
            if (!o.containsKey(required)) {
                throw new IllegalArgumentException("broker needs --" + required
                        + " (usage: broker --node-id N --data DIR --port P --controller-port C [--quorum 1@host:port,...]"
                        + " [--cluster-id ID] [--property key=value]...)");
            }
        }
        EmbeddedKafka.Builder builder = EmbeddedKafka.builder()
                .nodeId(Integer.parseInt(o.get("node-id")))
                .dataDir(Path.of(o.get("data")))
                .brokerPort(Integer.parseInt(o.get("port")))
                .controllerPort(Integer.parseInt(o.get("controller-port")))
                .startTimeout(java.time.Duration.ofSeconds(120));
        String quorum = o.get("quorum");
        if (quorum != null) {
            int voters = quorum.split(",").length;
            if (voters > 1 && !o.containsKey("cluster-id")) {
                throw new IllegalArgumentException("a node of a " + voters + "-voter quorum needs --cluster-id (the same on every node)");
            }
            builder.quorumVoters(quorum);
            clusterProperties(voters).forEach(builder::brokerProperty);
        }
        if (o.containsKey("cluster-id")) {
            builder.clusterId(o.get("cluster-id"));
        }
        for (String property : properties) {
            int eq = property.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--property needs key=value, got " + property);
            }
            builder.brokerProperty(property.substring(0, eq), property.substring(eq + 1));
        }
        EmbeddedKafka kafka = builder.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "kafka-node-shutdown"));
        System.out.println(READY + " " + o.get("node-id") + " on " + kafka.bootstrapServers());
        stopped.await();
    }
}
