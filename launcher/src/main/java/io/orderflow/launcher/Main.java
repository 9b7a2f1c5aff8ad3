package io.orderflow.launcher;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.orderflow.devstack.DevStack;
import io.orderflow.devstack.KafkaNode;
import io.orderflow.devstack.RegistryNode;
import io.orderflow.devstack.LocalPostgres;
import io.orderflow.launcher.faults.FaultMatrix;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.consumer.Redrive;
import io.orderflow.platform.lifecycle.Service;
import io.orderflow.platform.lifecycle.ServiceRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * {@code java -jar orderflow.jar} runs everything in one process on embedded defaults;
 * {@code java -jar orderflow.jar service <name>} runs one service configured by environment
 * variables (as in docker compose); {@code check} verifies the flow's invariants after a run.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String command = args.length == 0 ? "all" : args[0];
        switch (command) {
            case "all" -> runAll(Env.system());
            case "service" -> {
                if (args.length != 2) {
                    usage("service needs a name: " + Services.NAMES);
                }
                Service service = Services.create(args[1], Env.system());
                service.start();
                ServiceRunner.runUntilShutdown(List.of(service));
            }
            case "broker" -> KafkaNode.main(Arrays.copyOfRange(args, 1, args.length));
            case "registry" -> RegistryNode.main(Arrays.copyOfRange(args, 1, args.length));
            case "faults" -> System.exit(FaultMatrix.main(args));
            case "bench" -> io.orderflow.launcher.bench.Bench.main(Arrays.copyOfRange(args, 1, args.length));
            case "check" -> System.exit(check(Env.system()) ? 0 : 1);
            case "demo" -> System.exit(io.orderflow.launcher.demo.DemoCommand.run(args, System.out));
            case "redrive" -> {
                if (args.length < 2) {
                    usage("redrive needs a consumer group, e.g. coupon-service");
                }
                boolean dryRun = Arrays.asList(args).contains("--dry-run");
                Redrive.Result result = Redrive.run(Env.system().string("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
                        args[1], dryRun);
                System.out.printf("%s %d record(s) of %s.dlt back to %s%n", dryRun ? "Would redrive" : "Redrove",
                        result.redriven(), args[1], result.perTopic());
            }
            case "help", "--help", "-h" -> usage(null);
            default -> usage("unknown command '" + command + "'");
        }
    }

    private static void runAll(Env env) throws Exception {
        long t0 = System.nanoTime();
        PerServiceEnv.rejectShared(env);
        String heapHint = JvmFlags.hint();
        if (heapHint != null) {
            System.out.println(heapHint);
        }
        Path dataDir = Path.of(env.string("DATA_DIR", "./.orderflow"));
        List<AutoCloseable> components = new ArrayList<>();
        AllInOne all;
        try {
            DevStack stack = DevStack.start(dataDir, env.integer("KAFKA_PORT", DevStack.DEFAULT_KAFKA_PORT),
                    env.integer("SCHEMA_REGISTRY_PORT", DevStack.DEFAULT_SCHEMA_REGISTRY_PORT),
                    env.integer("POSTGRES_PORT", DevStack.DEFAULT_POSTGRES_PORT),
                    (component, address) -> say(component, "ready at " + address + readyDetail(component, dataDir), t0));
            components.add(stack);
            LocalPostgres postgres = stack.postgres().orElseThrow();
            Map<String, Map<String, String>> perService = new HashMap<>();
            for (String name : Services.NAMES) {
                if (PerServiceEnv.usesLocalDatabase(env, name)) {
                    String database = Services.database(name);
                    postgres.ensureDatabase(database, database, null);
                }
                perService.put(name, PerServiceEnv.of(env, name, postgres.port()));
            }
            all = AllInOne.start(env, stack.bootstrapServers(), stack.schemaRegistryUrl(), perService, false,
                    (name, port) -> say(name, "ready at http://localhost:" + port, t0));
            components.add(all);
        } catch (Exception e) {
            ServiceRunner.closeAll(components);
            throw e;
        }
        int orders = all.port("order-service");
        System.out.printf("%nOrderFlow is up in %.1f s. Place an order:%n%n"
                + "  curl -i -X POST localhost:%d/orders -H 'Content-Type: application/json' -d '{\"customerId\":\"c-1\","
                + "\"currency\":\"USD\",\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":2,\"unitPriceCents\":1999}],"
                + "\"couponCode\":\"WELCOME10\",\"pointsToRedeem\":0}'%n%n"
                + "then: curl 'localhost:%d/orders/<orderId>?waitSeconds=5'    (Ctrl-C stops everything)%n%n",
                (System.nanoTime() - t0) / 1e9, orders, orders);
        ServiceRunner.runUntilShutdown(components);
    }

    private static String readyDetail(String component, Path dataDir) {
        return switch (component) {
            case "postgres" -> " (PostgreSQL 17, durable: fsync, synchronous_commit, full_page_writes on; data in "
                    + dataDir.resolve("postgres") + ")";
            case "kafka" -> " (KRaft, data in " + dataDir.resolve("kafka") + ")";
            default -> "";
        };
    }

    /**
     * Runs the invariant checker on the services' databases: by default those on the PostgreSQL of
     * DATA_DIR, reached where the running all-in-one serves it, or started from {@code DATA_DIR/postgres}
     * for the check and stopped after it; {@code <PREFIX>_DB_URL} (e.g. {@code ORDER_DB_URL=jdbc:postgresql://...},
     * with {@code ORDER_DB_USER}, {@code ORDER_DB_PASSWORD}) points at another server.
     */
    private static boolean check(Env env) throws Exception {
        Path pgData = Path.of(env.string("DATA_DIR", "./.orderflow")).resolve("postgres");
        LocalPostgres startedHere = null;
        int localPort = 0;
        if (!PerServiceEnv.allDatabasesGiven(env)) {
            OptionalInt running = LocalPostgres.runningElsewhere(pgData);
            if (running.isPresent()) {
                localPort = running.getAsInt();
            } else if (Files.isDirectory(pgData)) {
                startedHere = LocalPostgres.builder().dataDir(pgData).build().start();
                localPort = startedHere.port();
            } else {
                throw new IllegalStateException("No PostgreSQL data in " + pgData.toAbsolutePath() + ": run the all-in-one"
                        + " with the same DATA_DIR first, or set ORDER_DB_URL, COUPON_DB_URL, POINTS_DB_URL, NOTIFICATION_DB_URL");
            }
        }
        List<HikariDataSource> sources = new ArrayList<>();
        try {
            for (String name : List.of("order-service", "coupon-service", "points-service", "notification-service")) {
                Env own = env.with(PerServiceEnv.of(env, name, localPort));
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl(own.string("DB_URL", null));
                config.setUsername(own.string("DB_USER", Services.database(name)));
                config.setPassword(own.string("DB_PASSWORD", ""));
                config.setMaximumPoolSize(1);
                config.setReadOnly(true);
                sources.add(new HikariDataSource(config));
            }
            InvariantChecker.Report report = InvariantChecker.check(sources.get(0), sources.get(1), sources.get(2), sources.get(3));
            report.print(System.out);
            return report.ok();
        } finally {
            sources.forEach(HikariDataSource::close);
            if (startedHere != null) {
                startedHere.close();
            }
        }
    }

    private static void say(String component, String message, long t0) {
        System.out.printf("[%5.1f s] %-21s %s%n", (System.nanoTime() - t0) / 1e9, component, message);
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("error: " + error);
        }
        System.err.println(String.join("\n", Arrays.asList(
                "usage: java -jar orderflow.jar [command]",
                "  (none) | all        PostgreSQL, Kafka, Schema Registry and the four services in one process (data in DATA_DIR,",
                "                      default ./.orderflow; ports POSTGRES_PORT 54329, KAFKA_PORT 9092, SCHEMA_REGISTRY_PORT 8081,",
                "                      ORDER_HTTP_PORT 8080, COUPON_HTTP_PORT 8091, POINTS_HTTP_PORT 8092, NOTIFICATION_HTTP_PORT 8093)",
                "  service <name>      one service, configured by environment variables: " + Services.NAMES,
                "  redrive <group> [--dry-run]  send <group>.dlt back to the original topics (KAFKA_BOOTSTRAP_SERVERS)",
                "  demo <name>|all [--quick] [--keep] [--pictures DIR] [--base-url U --bootstrap B --registry R]",
                "                      the reference's scenes as runnable demos (async, pubsub, peak-shaving, rate-limit,",
                "                      duplicates, loss, ordering, saga, kafka-down, replay, dead-letter), PASS or FAIL",
                "  load [--orders N] [--rate R] [--concurrency C] [--coupon CODE] [--url U]  benchmark a running order-service",
                "  broker --node-id N --data DIR --port P --controller-port C [--quorum 1@host:port,...] [--cluster-id ID]",
                "                      one KRaft node (broker + controller) of a cluster, as its own process",
                "  registry --bootstrap B [--port P] [--replication-factor N]  the schema registry as its own process",
                "  faults [--only NAME,...] [--seconds N] [--rate R] [--dir DIR]  the fault matrix: a 3-broker cluster, the",
                "                      registry, PostgreSQL and each service as processes; one fault per row, checked (docs/RELIABILITY.md)",
                "  bench [--quick] [--out DIR] [--jvm \"OPTIONS\"] [--jfr FILE] [--keep]  start a fresh all-in-one in a child JVM",
                "                      (flags " + String.join(" ", JvmFlags.RECOMMENDED) + " unless --jvm) and measure it: cold start, raw",
                "                      Kafka limit, burst, fixed open-loop rates, memory and CPU; results (.md, .png) in DIR (bench/)",
                "  check               verify the flow's invariants on the services' databases (the PostgreSQL of DATA_DIR,",
                "                      running or not; or ORDER_DB_URL, COUPON_DB_URL, POINTS_DB_URL, NOTIFICATION_DB_URL)",
                "  help                this text")));
        if (error != null) {
            System.exit(2);
        }
    }
}
