package io.orderflow.platform.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.orderflow.devstack.DevStack;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.config.ServiceConfig;
import io.orderflow.platform.testing.TestDatabase;
import io.orderflow.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * How a service reports a parked outbox row: {@code /health} DEGRADED but still 200 and ready (the service
 * works; an operator must look), the check and count in its body, and {@code orderflow_outbox_parked} in
 * {@code /metrics}. Real broker, registry and database.
 */
class ServiceHealthIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(ServiceRuntime runtime, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + runtime.http().port() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aParkedOutboxRowMakesTheServiceDegradedButReady() throws Exception {
        String kind = TestDatabase.kinds().get(0);
        try (DevStack stack = DevStack.startForTests();
             TestDatabase database = TestDatabase.create(kind, "platform-health-it")) {
            ServiceConfig config = ServiceConfig.fromEnv(Env.of(Map.of(
                    "KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers(),
                    "SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl(),
                    "DB_URL", database.url(),
                    "DB_USER", database.user(),
                    "HTTP_HOST", "127.0.0.1",
                    "HTTP_PORT", "0",
                    "TOPIC_PARTITIONS", "2")), "platform-health-it", "platform_health_it", 0);
            try (ServiceRuntime runtime = ServiceRuntime.create(config)) {
                runtime.start();
                assertThat(JSON.readTree(get(runtime, "/health").body()).path("status").asText()).isEqualTo("UP");

                // Given an outbox row whose payload is not Avro of its type
                runtime.db().inTransaction(tx -> {
                    try (PreparedStatement ps = tx.prepareStatement("INSERT INTO outbox (topic, record_key, event_type, "
                            + "event_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                        ps.setString(1, Topics.PAYMENTS_EVENTS.name());
                        ps.setString(2, "o-corrupt");
                        ps.setString(3, PaymentCompleted.getClassSchema().getFullName());
                        ps.setString(4, UUID.randomUUID().toString());
                        ps.setBytes(5, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
                        ps.setTimestamp(6, Timestamp.from(Instant.now()));
                        ps.executeUpdate();
                    }
                    return null;
                });
                runtime.relay().wakeup();

                // Then, once the relay has parked it, the service reports DEGRADED, stays ready, and counts it
                await("the row parked").atMost(Duration.ofSeconds(60)).until(() -> runtime.relay().parkedCount() == 1);
                for (String path : new String[] {"/health", "/health/ready"}) {
                    HttpResponse<String> health = get(runtime, path);
                    JsonNode body = JSON.readTree(health.body());
                    assertThat(health.statusCode()).as(path + ": " + health.body()).isEqualTo(200);
                    assertThat(body.path("status").asText()).as(health.body()).isEqualTo("DEGRADED");
                    assertThat(body.path("checks").path("outboxParked").asText()).isEqualTo("DEGRADED");
                    assertThat(body.path("checks").path("outboxRelay").asText()).isEqualTo("UP");
                    assertThat(body.path("outbox").path("parkedRows").asLong()).isEqualTo(1);
                }
                assertThat(get(runtime, "/metrics").body())
                        .contains("orderflow_outbox_parked{service=\"platform-health-it\"} 1.0\n")
                        .contains("orderflow_consumer_restarts_total{service=\"platform-health-it\"} 0.0\n");
            }
        }
    }
}
