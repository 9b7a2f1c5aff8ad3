package io.orderflow.launcher;

import io.orderflow.devstack.DevStack;
import io.orderflow.order.OrderService;
import io.orderflow.platform.config.Env;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * Real embedded Kafka + Schema Registry and the four services, on free loopback ports and a temp
 * data directory, for end-to-end tests. No mocks anywhere.
 */
final class TestStack implements AutoCloseable {

    final DevStack devstack;
    final AllInOne services;
    final Path dataDir;

    private TestStack(DevStack devstack, AllInOne services, Path dataDir) {
        this.devstack = devstack;
        this.services = services;
        this.dataDir = dataDir;
    }

    static TestStack start(Map<String, String> extraEnv) throws Exception {
        Path dataDir = Files.createTempDirectory("orderflow-e2e-");
        DevStack devstack = DevStack.startForTests();
        try {
            Map<String, String> env = new HashMap<>(extraEnv);
            env.put("DATA_DIR", dataDir.toString());
            env.put("HTTP_HOST", "127.0.0.1");
            env.put("TOPIC_PARTITIONS", env.getOrDefault("TOPIC_PARTITIONS", "3"));
            AllInOne services = AllInOne.start(Env.of(env), devstack.bootstrapServers(), devstack.schemaRegistryUrl(),
                    true, (name, port) -> { });
            TestStack stack = new TestStack(devstack, services, dataDir);
            OrderService orders = (OrderService) services.service("order-service");
            Awaitility.await("coupon catalog in order-service").atMost(Duration.ofSeconds(30))
                    .until(() -> orders.couponCatalog().find("WELCOME10").isPresent());
            return stack;
        } catch (Exception e) {
            devstack.close();
            throw e;
        }
    }

    String url(String service, String path) {
        return "http://127.0.0.1:" + services.port(service) + path;
    }

    @Override
    public void close() {
        services.close();
        devstack.close();
        try (var paths = Files.walk(dataDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot delete " + dataDir, e);
        }
    }
}
