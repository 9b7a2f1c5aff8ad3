package io.orderflow.devstack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded schema registry as a process of its own, so that a drill can kill it:
 * {@code registry --bootstrap HOST:PORT[,...] --port P [--replication-factor 3]}. It keeps its schemas
 * in the Kafka cluster ({@code _schemas}), so a restart serves the same ids.
 */
public final class RegistryNode {

    /** Printed once it serves HTTP. */
    public static final String READY = "schema registry ready";

    private RegistryNode() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        if (!o.containsKey("bootstrap")) {
            throw new IllegalArgumentException("usage: registry --bootstrap HOST:PORT[,...] [--port P] [--replication-factor N]");
        }
        EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder(o.get("bootstrap"))
                .port(Integer.parseInt(o.getOrDefault("port", String.valueOf(DevStack.DEFAULT_SCHEMA_REGISTRY_PORT))))
                .replicationFactor(Integer.parseInt(o.getOrDefault("replication-factor", "1")))
                .build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            registry.close();
            stopped.countDown();
        }, "registry-shutdown"));
        System.out.println(READY + " on " + registry.url());
        stopped.await();
    }
}
