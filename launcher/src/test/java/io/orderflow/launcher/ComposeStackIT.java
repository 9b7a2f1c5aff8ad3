package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The happy path on the real images: {@code docker compose up --build} (three Apache Kafka brokers,
 * Confluent Schema Registry, PostgreSQL, the four services from the Dockerfile), then the README's
 * order. Skipped where there is no Docker; needs the Compose v2 plugin ({@code docker compose}) and
 * free host ports 8080-8093, 8081, 8088, 9092-9094 (the ports the compose file publishes).
 */
@Testcontainers(disabledWithoutDocker = true)
class ComposeStackIT {

    private static final List<String> SERVICES =
            List.of("order-service", "coupon-service", "points-service", "notification-service");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Container
    static final ComposeContainer STACK = stack();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static ComposeContainer stack() {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("docker-compose.yml"))) {
            dir = dir.getParent();
        }
        ComposeContainer stack = new ComposeContainer(new File(dir.toFile(), "docker-compose.yml"))
                .withLocalCompose(true)
                .withBuild(true)
                // Compose pulls what it needs itself; orderflow:local is built, never pulled.
                .withPull(false)
                .withRemoveVolumes(true)
                // Set before waitingFor: each wait takes the timeout current when it is added.
                .withStartupTimeout(Duration.ofMinutes(10));
        for (String service : SERVICES) {
            // The compose healthcheck: GET /health/ready, which needs the DB, Kafka and the registry.
            stack = stack.waitingFor(service, Wait.forHealthcheck());
        }
        return stack;
    }

    @Test
    void anOrderPlacedOverHttpIsCompletedByTheServicesOnKafka() throws Exception {
        // Given the stack is healthy. When an order is placed (the README's curl command):
        HttpResponse<String> placed = http.send(HttpRequest.newBuilder(URI.create("http://localhost:8080/orders"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("""
                        {"customerId": "compose-it", "currency": "USD",
                         "items": [{"sku": "BOOK-42", "quantity": 2, "unitPriceCents": 1250}]}
                        """))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(202);
        String location = placed.headers().firstValue("Location").orElseThrow();

        // Then the saga completes it: points and notification steps ran through Kafka.
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonNode order = getJson("http://localhost:8080" + location + "?waitSeconds=10");
            assertThat(order.path("status").asText()).as(order.toString()).isEqualTo("COMPLETED");
        });

        // And the events went through the real Confluent Schema Registry (topic-name subjects).
        JsonNode subjects = getJson("http://localhost:8081/subjects");
        assertThat(subjects.toString()).contains("payments.events-value");
    }

    private JsonNode getJson(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + " " + response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
