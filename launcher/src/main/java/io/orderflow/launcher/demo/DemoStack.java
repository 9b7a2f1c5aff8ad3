package io.orderflow.launcher.demo;

import io.orderflow.devstack.DevStack;
import io.orderflow.devstack.LocalPostgres;
import io.orderflow.launcher.AllInOne;
import io.orderflow.launcher.Services;
import io.orderflow.order.OrderService;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.runtime.RuntimeService;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;

/**
 * The stack a demo runs against: by default PostgreSQL, Kafka, the registry and the four services in this
 * process, on free ports and a fresh data directory (never the user's data), so a demo can read the
 * databases and stop Kafka; or a running stack given by {@code --base-url}, {@code --bootstrap} and
 * {@code --registry}, where only the demos that need nothing but HTTP and Kafka run.
 */
final class DemoStack implements AutoCloseable {

    private final Map<String, String> urls;
    private final String bootstrap;
    private final String registry;
    private final DevStack dev;
    private final AllInOne services;
    private final Path dataDir;

    private DemoStack(Map<String, String> urls, String bootstrap, String registry, DevStack dev, AllInOne services,
                      Path dataDir) {
        this.urls = urls;
        this.bootstrap = bootstrap;
        this.registry = registry;
        this.dev = dev;
        this.services = services;
        this.dataDir = dataDir;
    }

    /** Everything in this process on {@code dataDir}; {@code perService} adds variables to one service. */
    static DemoStack start(Path dataDir, Map<String, String> common, Map<String, Map<String, String>> perService)
            throws Exception {
        DevStack dev = DevStack.start(dataDir, 0, 0, 0);
        try {
            LocalPostgres postgres = dev.postgres().orElseThrow();
            Map<String, Map<String, String>> own = new HashMap<>();
            for (String name : Services.NAMES) {
                String database = Services.database(name);
                postgres.ensureDatabase(database, database, null);
                Map<String, String> vars = new HashMap<>(perService.getOrDefault(name, Map.of()));
                vars.put("DB_URL", postgres.jdbcUrl(database));
                vars.put("DB_USER", database);
                vars.put("DB_PASSWORD", "");
                own.put(name, vars);
            }
            Map<String, String> env = new HashMap<>(common);
            env.put("DATA_DIR", dataDir.toString());
            env.put("HTTP_HOST", "127.0.0.1");
            AllInOne all = AllInOne.start(Env.of(env), dev.bootstrapServers(), dev.schemaRegistryUrl(), own, true,
                    (name, port) -> { });
            Map<String, String> urls = new java.util.concurrent.ConcurrentHashMap<>();
            for (String name : Services.NAMES) {
                urls.put(name, "http://127.0.0.1:" + all.port(name));
            }
            DemoStack stack = new DemoStack(urls, dev.bootstrapServers(), dev.schemaRegistryUrl(), dev, all, dataDir);
            OrderService orders = (OrderService) all.service("order-service");
            Waits.until("order-service knows the coupon catalog", Duration.ofSeconds(60),
                    () -> orders.couponView().find("FLASH100").isPresent());
            return stack;
        } catch (Exception e) {
            dev.close();
            throw e;
        }
    }

    /**
     * A running stack: order-service at {@code baseUrl}; the other services at {@code --coupon-url},
     * {@code --points-url}, {@code --notification-url} in {@code options}, by default on the same host at 8091,
     * 8092, 8093 (compose's ports).
     */
    static DemoStack external(String baseUrl, String bootstrap, String registry, Map<String, String> options) {
        URI base = URI.create(baseUrl);
        String host = base.getScheme() + "://" + base.getHost();
        Map<String, String> urls = Map.of("order-service", trim(baseUrl),
                "coupon-service", trim(options.getOrDefault("--coupon-url", host + ":8091")),
                "points-service", trim(options.getOrDefault("--points-url", host + ":8092")),
                "notification-service", trim(options.getOrDefault("--notification-url", host + ":8093")));
        return new DemoStack(urls, bootstrap, trim(registry), null, null, null);
    }

    private static String trim(String url) {
        return url.replaceAll("/+$", "");
    }

    boolean inProcess() {
        return services != null;
    }

    String url(String service) {
        return urls.get(service);
    }

    String orders() {
        return urls.get("order-service");
    }

    String bootstrap() {
        return bootstrap;
    }

    String registry() {
        return registry;
    }

    Path dataDir() {
        return dataDir;
    }

    Admin admin() {
        return Admin.create(KafkaClients.admin(bootstrap));
    }

    /** A service's own database (in-process stacks only). */
    DataSource db(String service) {
        return ((RuntimeService) services.service(service)).runtime().db().dataSource();
    }

    /** POSTs an order; returns the orderId of its 202, or throws with the answer. */
    String place(String body) throws Exception {
        Http.Reply r = Http.post(orders() + "/orders", body);
        if (r.status() != 202) {
            throw new IllegalStateException("POST /orders answered " + r.status() + ": " + r.raw());
        }
        return r.body().get("orderId").asText();
    }

    /** The order once final (long-polls), or throws after {@code limit}. */
    com.fasterxml.jackson.databind.JsonNode awaitFinal(String orderId, Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            Http.Reply r = Http.get(orders() + "/orders/" + orderId + "?waitSeconds=5");
            String status = r.body() == null ? "" : r.body().path("status").asText();
            if (java.util.Set.of("COMPLETED", "CANCELLED", "FAILED").contains(status)) {
                return r.body();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("order " + orderId + " not final after " + limit.toSeconds() + " s: " + r.raw());
            }
        }
    }

    /** Stops one service (its consumers leave their group). */
    void stop(String service) {
        services.stop(service);
    }

    /** Starts a stopped service again (a new instance: its counters start at 0, its port may change). */
    void restart(String service) throws Exception {
        services.restart(service);
        urls.put(service, "http://127.0.0.1:" + services.port(service));
    }

    AllInOne services() {
        return services;
    }

    DevStack dev() {
        return dev;
    }

    @Override
    public void close() {
        if (services != null) {
            services.close();
        }
        if (dev != null) {
            dev.close();
        }
    }
}
