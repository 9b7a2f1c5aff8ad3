package io.orderflow.launcher;

import io.orderflow.devstack.DevStack;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.config.ServiceConfig;
import io.orderflow.platform.consumer.Redrive;
import io.orderflow.platform.lifecycle.Service;
import io.orderflow.platform.lifecycle.ServiceRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
            case "load" -> load(args);
            case "check" -> System.exit(check(Env.system()) ? 0 : 1);
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
        Path dataDir = Path.of(env.string("DATA_DIR", "./.orderflow"));
        List<AutoCloseable> components = new ArrayList<>();
        try {
            DevStack stack = DevStack.start(dataDir, env.integer("KAFKA_PORT", 9092), env.integer("SCHEMA_REGISTRY_PORT", 8081));
            components.add(stack);
            say("kafka", "ready at " + stack.bootstrapServers() + " (KRaft, data in " + dataDir.resolve("kafka") + ")", t0);
            say("schema-registry", "ready at " + stack.schemaRegistryUrl(), t0);
            AllInOne all = AllInOne.start(env, stack.bootstrapServers(), stack.schemaRegistryUrl(), false,
                    (name, port) -> say(name, "ready at http://localhost:" + port, t0));
            components.add(all);
        } catch (Exception e) {
            ServiceRunner.closeAll(components);
            throw e;
        }
        System.out.printf("%nOrderFlow is up in %.1f s. Place an order:%n%n"
                + "  curl -i -X POST localhost:8080/orders -H 'Content-Type: application/json' -d '{\"customerId\":\"c-1\","
                + "\"currency\":\"USD\",\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":2,\"unitPriceCents\":1999}],"
                + "\"couponCode\":\"WELCOME10\",\"pointsToRedeem\":0}'%n%n"
                + "then: curl 'localhost:8080/orders/<orderId>?waitSeconds=5'    (Ctrl-C stops everything)%n%n",
                (System.nanoTime() - t0) / 1e9);
        ServiceRunner.runUntilShutdown(components);
    }

    /**
     * Runs the invariant checker on the services' databases: by default the H2 files under DATA_DIR
     * (stop the all-in-one process first: H2 files admit one process), or {@code <SERVICE>_DB_URL}
     * such as {@code ORDER_DB_URL=jdbc:postgresql://...}.
     */
    private static boolean check(Env env) throws Exception {
        List<HikariDataSource> sources = new ArrayList<>();
        try {
            for (String name : List.of("order-service", "coupon-service", "points-service", "notification-service")) {
                String prefix = name.substring(0, name.indexOf('-')).toUpperCase();
                ServiceConfig common = ServiceConfig.fromEnv(env, name, 0);
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl(env.string(prefix + "_DB_URL", common.dbUrl()));
                config.setUsername(env.string(prefix + "_DB_USER", common.dbUser()));
                config.setPassword(env.string(prefix + "_DB_PASSWORD", common.dbPassword()));
                config.setMaximumPoolSize(1);
                config.setReadOnly(true);
                sources.add(new HikariDataSource(config));
            }
            InvariantChecker.Report report = InvariantChecker.check(sources.get(0), sources.get(1), sources.get(2), sources.get(3));
            report.print(System.out);
            return report.ok();
        } finally {
            sources.forEach(HikariDataSource::close);
        }
    }

    /** {@code load [--url U] [--orders N] [--rate R] [--concurrency C] [--coupon CODE]} against a running order-service. */
    private static void load(String[] args) throws Exception {
        java.util.Map<String, String> o = new java.util.HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        LoadGenerator.Settings settings = new LoadGenerator.Settings(o.getOrDefault("url", "http://localhost:8080"),
                Integer.parseInt(o.getOrDefault("orders", "5000")), Integer.parseInt(o.getOrDefault("rate", "500")),
                Integer.parseInt(o.getOrDefault("concurrency", "64")), o.get("coupon"), java.time.Duration.ofMinutes(5));
        System.out.printf("Placing %d orders at %d/s against %s%n", settings.orders(), settings.ratePerSecond(), settings.baseUrl());
        LoadGenerator.run(settings).print(System.out);
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
                "  (none) | all        Kafka, Schema Registry and the four services in one process (data in DATA_DIR, default ./.orderflow)",
                "  service <name>      one service, configured by environment variables: " + Services.NAMES,
                "  redrive <group> [--dry-run]  send <group>.dlt back to the original topics (KAFKA_BOOTSTRAP_SERVERS)",
                "  load [--orders N] [--rate R] [--concurrency C] [--coupon CODE] [--url U]  benchmark a running order-service",
                "  check               verify the flow's invariants on the services' databases (after a run)",
                "  help                this text")));
        if (error != null) {
            System.exit(2);
        }
    }
}
