package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.coupon.CouponService;
import io.orderflow.devstack.DevStack;
import io.orderflow.notification.NotificationService;
import io.orderflow.order.OrderService;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.testing.TestDatabase;
import io.orderflow.platform.testing.TopicContents;
import io.orderflow.points.PointsService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;

/**
 * Real embedded Kafka + Schema Registry, a fresh PostgreSQL database per service (on the tests'
 * server, see {@link TestDatabase}) and the four services, on free loopback ports and a temp data
 * directory, for end-to-end tests. No mocks anywhere.
 */
final class TestStack implements AutoCloseable {

    final DevStack devstack;
    final AllInOne services;
    final Path dataDir;
    private final List<TestDatabase> databases;

    private TestStack(DevStack devstack, AllInOne services, Path dataDir, List<TestDatabase> databases) {
        this.devstack = devstack;
        this.services = services;
        this.dataDir = dataDir;
        this.databases = databases;
    }

    static TestStack start(Map<String, String> extraEnv) throws Exception {
        Path dataDir = Files.createTempDirectory("orderflow-e2e-");
        List<TestDatabase> databases = new ArrayList<>();
        DevStack devstack = DevStack.startForTests();
        try {
            Map<String, String> env = new HashMap<>(extraEnv);
            env.put("DATA_DIR", dataDir.toString());
            env.put("HTTP_HOST", "127.0.0.1");
            env.put("TOPIC_PARTITIONS", env.getOrDefault("TOPIC_PARTITIONS", "3"));
            Map<String, Map<String, String>> perService = new HashMap<>();
            for (String name : Services.NAMES) {
                TestDatabase db = TestDatabase.create(name);
                databases.add(db);
                perService.put(name, Map.of("DB_URL", db.url(), "DB_USER", db.user(), "DB_PASSWORD", db.password()));
            }
            AllInOne services = AllInOne.start(Env.of(env), devstack.bootstrapServers(), devstack.schemaRegistryUrl(),
                    perService, true, (name, port) -> { });
            TestStack stack = new TestStack(devstack, services, dataDir, databases);
            OrderService orders = (OrderService) services.service("order-service");
            Awaitility.await("coupon catalog in order-service").atMost(Duration.ofSeconds(30))
                    .until(() -> orders.couponView().find("WELCOME10").isPresent());
            return stack;
        } catch (Exception e) {
            devstack.close();
            databases.forEach(TestDatabase::close);
            throw e;
        }
    }

    String url(String service, String path) {
        return "http://127.0.0.1:" + services.port(service) + path;
    }

    // ---- orders --------------------------------------------------------------------------------

    static final Set<String> FINAL = Set.of("COMPLETED", "CANCELLED", "FAILED");

    /** POSTs an order, asserts 202 and returns its id. */
    String place(String body) throws Exception {
        HttpJson.Reply placed = HttpJson.post(url("order-service", "/orders"), body);
        assertThat(placed.status()).as("POST /orders %s answered %s", body, placed.raw().body()).isEqualTo(202);
        return placed.body().get("orderId").asText();
    }

    /** The order once it is final (long-polls), failing after {@code atMost}. */
    JsonNode awaitFinal(String orderId, Duration atMost) {
        JsonNode[] last = {null};
        await("order " + orderId + " final").atMost(atMost).pollInterval(Duration.ofMillis(10))
                .untilAsserted(() -> {
                    last[0] = HttpJson.get(url("order-service", "/orders/" + orderId + "?waitSeconds=5")).body();
                    assertThat(last[0].get("status").asText()).as("order %s: %s", orderId, last[0]).isIn(FINAL);
                });
        return last[0];
    }

    JsonNode placeAndAwaitFinal(String body) throws Exception {
        return awaitFinal(place(body), Duration.ofSeconds(60));
    }

    long balance(String customerId) throws Exception {
        return HttpJson.get(url("points-service", "/customers/" + customerId + "/points")).body().get("balance").asLong();
    }

    JsonNode coupon(String code) throws Exception {
        return HttpJson.get(url("coupon-service", "/coupons/" + code)).body();
    }

    JsonNode notifications(String orderId) throws Exception {
        return HttpJson.get(url("notification-service", "/notifications?orderId=" + orderId)).body();
    }

    /** The order's ledger rows of the customer (the customer's latest 1000). */
    List<JsonNode> ledger(String customerId, String orderId) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        HttpJson.get(url("points-service", "/customers/" + customerId + "/ledger?limit=1000")).body().forEach(row -> {
            if (orderId.equals(row.path("orderId").asText(null))) {
                rows.add(row);
            }
        });
        return rows;
    }

    // ---- Kafka -------------------------------------------------------------------------------

    /** Every record of {@code topic}, from the beginning to the end offsets as of the call. */
    List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        return TopicContents.readAll(devstack.bootstrapServers(), topic);
    }

    /** The decoded events of one order on {@code topic}, in log order. */
    List<SpecificRecord> events(String topic, String orderId) {
        AvroSerde serde = new AvroSerde(new HttpSchemaRegistryClient(devstack.schemaRegistryUrl()));
        return readAll(topic).stream().filter(r -> orderId.equals(r.key()))
                .map(r -> serde.deserialize(topic, r.value())).toList();
    }

    /**
     * Waits until each group has processed every record on {@code topic} as of the call: its committed
     * offset is past the partition's last record. (Not the end offset: on a topic written in transactions
     * the last offset may be a commit marker.)
     */
    void awaitGroupsCaughtUp(String topic, String... groups) throws Exception {
        Map<TopicPartition, Long> pastLastRecord = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(topic)) {
            pastLastRecord.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max);
        }
        try (Admin admin = Admin.create(KafkaClients.admin(devstack.bootstrapServers()))) {
            for (String group : groups) {
                Map<TopicPartition, Long> behind = new HashMap<>(pastLastRecord);
                try {
                    await(group + " caught up on " + topic).atMost(Duration.ofSeconds(30)).until(() -> {
                        var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                        behind.entrySet().removeIf(e ->
                                committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue());
                        return behind.isEmpty();
                    });
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError(group + " did not process every record of " + topic
                            + "; still behind on (partition → offset past the last record) " + behind, e);
                }
            }
        }
    }

    // ---- invariants --------------------------------------------------------------------------

    /** The InvariantChecker over the four services' databases (the instances running now). */
    InvariantChecker.Report invariants() throws Exception {
        return InvariantChecker.check(
                ((OrderService) services.service("order-service")).runtime().db().dataSource(),
                ((CouponService) services.service("coupon-service")).runtime().db().dataSource(),
                ((PointsService) services.service("points-service")).runtime().db().dataSource(),
                ((NotificationService) services.service("notification-service")).runtime().db().dataSource());
    }

    /**
     * Waits (bounded) until every invariant holds — the last notices and relays may still be in flight
     * when the last order is final — then prints the report; fails with it printed if they never do.
     */
    void assertInvariantsHold() throws Exception {
        InvariantChecker.Report[] last = {null};
        try {
            await("invariants hold").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> (last[0] = invariants()).ok());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported below, with the violations
        }
        InvariantChecker.Report report = last[0] != null ? last[0] : invariants();
        report.print(System.out);
        assertThat(report.ok()).as("invariants (see the report above)").isTrue();
    }

    @Override
    public void close() {
        services.close();
        devstack.close();
        databases.forEach(TestDatabase::close);
        try (var paths = Files.walk(dataDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot delete " + dataDir, e);
        }
    }
}
