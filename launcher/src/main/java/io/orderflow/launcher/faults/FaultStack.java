package io.orderflow.launcher.faults;

import io.orderflow.devstack.ChildJvm;
import io.orderflow.devstack.FreePort;
import io.orderflow.devstack.KafkaCluster;
import io.orderflow.devstack.LocalPostgres;
import io.orderflow.devstack.RegistryNode;
import io.orderflow.launcher.Services;
import io.orderflow.launcher.drill.FlowDatabases;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The deployed topology, every part a process of its own so that it can be killed: a 3-node Kafka
 * cluster (RF 3, min ISR 2), the schema registry, PostgreSQL (its own data directory and port, one
 * database per service) and each service as {@code service <name>}. An instance is named after its
 * service ({@code coupon-service}), a second one with a suffix ({@code coupon-service-2}).
 */
public final class FaultStack implements AutoCloseable {

    static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private final Path root;
    private final PrintStream out;
    private final long t0 = System.nanoTime();
    private KafkaCluster kafka;
    private LocalPostgres postgres;
    private ChildJvm registry;
    private int registryPort;
    private final Map<String, ChildJvm> instances = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new HashMap<>();

    private FaultStack(Path root, PrintStream out) {
        this.root = root.toAbsolutePath();
        this.out = out;
    }

    /** Starts PostgreSQL, the cluster, the registry and one instance of each service, in that order. */
    public static FaultStack start(Path root, PrintStream out) {
        FaultStack stack = new FaultStack(root, out);
        try {
            stack.postgres = LocalPostgres.builder().dataDir(stack.root.resolve("postgres")).port(0).build().start();
            for (String name : Services.NAMES) {
                stack.postgres.ensureDatabase(Services.database(name), Services.database(name), null);
            }
            stack.say("postgres", "ready on 127.0.0.1:" + stack.postgres.port());
            stack.kafka = KafkaCluster.start(stack.root.resolve("kafka"), 3);
            stack.say("kafka", "3 nodes ready: " + stack.kafka.bootstrapServers());
            stack.registryPort = FreePort.pick();
            stack.registry = ChildJvm.of("schema-registry", List.of("-Xmx128m", "-XX:+UseSerialGC"),
                    List.of("registry", "--bootstrap", stack.kafka.bootstrapServers(), "--port",
                            String.valueOf(stack.registryPort), "--replication-factor", "3"),
                    Map.of(), stack.root.resolve("logs/schema-registry.log"));
            stack.startRegistry();
            stack.say("schema-registry", "ready at " + stack.registryUrl());
            // coupon-service first: order-service's coupon view reads the catalog it publishes.
            stack.startService("coupon-service");
            List<String> rest = List.of("points-service", "notification-service", "order-service");
            rest.forEach(stack::launch);
            rest.forEach(stack::awaitReady);
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    void say(String component, String message) {
        out.printf("[%6.1f s] %-21s %s%n", (System.nanoTime() - t0) / 1e9, component, message);
    }

    public KafkaCluster kafka() {
        return kafka;
    }

    public LocalPostgres postgres() {
        return postgres;
    }

    public ChildJvm registry() {
        return registry;
    }

    public String registryUrl() {
        return "http://127.0.0.1:" + registryPort;
    }

    public String orderUrl() {
        return "http://127.0.0.1:" + ports.get("order-service");
    }

    public String url(String instance) {
        return "http://127.0.0.1:" + ports.get(instance);
    }

    /** The instance's process (started or not). */
    public ChildJvm instance(String instance) {
        ChildJvm jvm = instances.get(instance);
        if (jvm == null) {
            throw new IllegalArgumentException("No instance " + instance + " in " + instances.keySet());
        }
        return jvm;
    }

    /** Starts the registry process (again) and waits until it serves. */
    public void startRegistry() {
        if (!registry.isAlive()) {
            registry.start();
        }
        registry.awaitLogLine(Pattern.compile(Pattern.quote(RegistryNode.READY)), READY_TIMEOUT);
    }

    /** Starts an instance (a new one, or one that was killed) and waits until it is ready. */
    public void startService(String instance) {
        launch(instance);
        awaitReady(instance);
    }

    private void launch(String instance) {
        ChildJvm jvm = instances.computeIfAbsent(instance, this::newInstance);
        if (!jvm.isAlive()) {
            jvm.start();
        }
    }

    public void awaitReady(String instance) {
        instance(instance).awaitHttpOk(url(instance) + "/health/ready", READY_TIMEOUT);
    }

    /** Stops (SIGTERM) and forgets an extra instance. */
    public void removeInstance(String instance) {
        ChildJvm jvm = instances.remove(instance);
        if (jvm != null) {
            jvm.stop(Duration.ofSeconds(20));
        }
    }

    private ChildJvm newInstance(String instance) {
        String service = serviceOf(instance);
        int port = FreePort.pick();
        ports.put(instance, port);
        String database = Services.database(service);
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", registryUrl());
        env.put("DB_URL", postgres.jdbcUrl(database));
        env.put("DB_USER", database);
        env.put("DB_PASSWORD", "");
        env.put("HTTP_PORT", String.valueOf(port));
        env.put("TOPIC_REPLICATION_FACTOR", "3");
        env.put("DATA_DIR", root.resolve("data").resolve(instance).toString());
        String heap = service.equals("order-service") ? "-Xmx512m" : "-Xmx256m";
        return ChildJvm.of(instance, List.of(heap, "-Djava.net.preferIPv4Stack=true"), List.of("service", service), env,
                root.resolve("logs").resolve(instance + ".log"));
    }

    /** {@code coupon-service} for {@code coupon-service-2}. */
    static String serviceOf(String instance) {
        return Services.NAMES.stream().filter(n -> instance.equals(n) || instance.startsWith(n + "-")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Not an instance of a service: " + instance));
    }

    /** Read-only pools on the four databases, for the checkers. */
    public FlowDatabases databases() {
        List<FlowDatabases.Location> l = new ArrayList<>();
        for (String name : List.of("order-service", "coupon-service", "points-service", "notification-service")) {
            l.add(new FlowDatabases.Location(postgres.jdbcUrl(Services.database(name)), LocalPostgres.SUPERUSER, ""));
        }
        return FlowDatabases.open(l.get(0), l.get(1), l.get(2), l.get(3));
    }

    /** Services first (they flush what they can), then the registry, Kafka and PostgreSQL. */
    @Override
    public void close() {
        instances.values().parallelStream().forEach(jvm -> jvm.stop(Duration.ofSeconds(15)));
        if (registry != null) {
            registry.stop(Duration.ofSeconds(10));
        }
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }
}
