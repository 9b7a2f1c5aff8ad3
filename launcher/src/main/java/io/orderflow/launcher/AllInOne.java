package io.orderflow.launcher;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.lifecycle.Service;
import io.orderflow.platform.lifecycle.ServiceRunner;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The four services in one process, against one Kafka, one registry and one PostgreSQL server: what
 * the quickstart runs and what the end-to-end tests start. Each service keeps its own database and
 * consumer group, exactly as when it runs alone.
 */
public final class AllInOne implements AutoCloseable {

    private final Map<String, Service> services;
    private final Map<String, Env> environments;

    private AllInOne(Map<String, Service> services, Map<String, Env> environments) {
        this.services = services;
        this.environments = environments;
    }

    /**
     * Starts every service with {@code env} plus the broker and registry addresses, plus its own
     * variables from {@code perService} (its database: {@code DB_URL}, {@code DB_USER},
     * {@code DB_PASSWORD}; perhaps its {@code HTTP_PORT}); when {@code ephemeralPorts} each service binds
     * a free port instead.
     */
    public static AllInOne start(Env env, String bootstrapServers, String schemaRegistryUrl,
                                 Map<String, Map<String, String>> perService, boolean ephemeralPorts,
                                 BiConsumer<String, Integer> onReady) throws Exception {
        Map<String, Service> started = new LinkedHashMap<>();
        Map<String, Env> environments = new HashMap<>();
        try {
            for (String name : Services.NAMES) {
                Map<String, String> overrides = new HashMap<>(perService.getOrDefault(name, Map.of()));
                overrides.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
                overrides.put("SCHEMA_REGISTRY_URL", schemaRegistryUrl);
                if (ephemeralPorts) {
                    overrides.put("HTTP_PORT", "0");
                }
                environments.put(name, env.with(overrides));
                Service service = Services.create(name, environments.get(name));
                service.start();
                started.put(name, service);
                onReady.accept(name, Services.httpPort(service));
            }
        } catch (Exception e) {
            ServiceRunner.closeAll(new ArrayList<>(started.values()));
            throw e;
        }
        return new AllInOne(started, environments);
    }

    public Service service(String name) {
        return services.get(name);
    }

    public int port(String name) {
        return Services.httpPort(services.get(name));
    }

    /** The environment a service was started with (broker, registry and port included), e.g. to start a second instance. */
    public Env environment(String name) {
        return environments.get(name);
    }

    public List<Service> services() {
        return List.copyOf(services.values());
    }

    /** Stops one service (to show what happens while it is down); {@link #restart} brings it back. */
    public void stop(String name) {
        services.get(name).close();
    }

    public void restart(String name) throws Exception {
        Service service = Services.create(name, environments.get(name));
        service.start();
        services.put(name, service);
    }

    @Override
    public void close() {
        ServiceRunner.closeAll(new ArrayList<>(services.values()));
    }
}
