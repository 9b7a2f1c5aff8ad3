package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka goes down while customers keep ordering: checkout still answers 202 (it writes only to its
 * own database; the outbox holds the events), and when Kafka is back every order completes, with
 * its PaymentCompleted published once.
 */
class BrokerOutageIT {

    static TestStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start(Map.of());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void ordersAreAcceptedWhileKafkaIsDownAndCompleteWhenItIsBack() throws Exception {
        // Given a warm system
        assertThat(stack.placeAndAwaitFinal(HttpJson.order("c-outage-0", null, 0)).get("status").asText())
                .isEqualTo("COMPLETED");

        // When the broker stops
        stack.devstack.kafka().stop();

        // Then checkout keeps accepting orders
        List<String> orderIds = new ArrayList<>();
        Histogram latency = new Histogram(3);
        for (int i = 1; i <= 20; i++) {
            long t0 = System.nanoTime();
            HttpJson.Reply reply = HttpJson.post(stack.url("order-service", "/orders"), HttpJson.order("c-outage-" + i, "WELCOME10", 0));
            latency.recordValue((System.nanoTime() - t0) / 1000);
            assertThat(reply.status()).as(reply.raw().body()).isEqualTo(202);
            orderIds.add(reply.body().get("orderId").asText());
        }
        System.out.printf("POST /orders while Kafka is down: %d orders, p50 %.1f ms, max %.1f ms%n",
                latency.getTotalCount(), latency.getValueAtPercentile(50) / 1000.0, latency.getMaxValue() / 1000.0);
        assertThat(HttpJson.get(stack.url("order-service", "/orders/" + orderIds.get(0))).body().get("status").asText())
                .isEqualTo("PENDING");
        HttpJson.Reply ready = HttpJson.get(stack.url("order-service", "/health/ready"));
        assertThat(ready.status()).as("order-service stays ready: %s", ready.raw().body()).isEqualTo(200);

        // When the broker is back (same data, same port)
        stack.devstack.kafka().start();

        // Then every order completes and its PaymentCompleted was published exactly once
        for (String orderId : orderIds) {
            await(orderId + " final").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
                JsonNode order = HttpJson.get(stack.url("order-service", "/orders/" + orderId)).body();
                return !order.get("status").asText().equals("PENDING");
            });
            assertThat(HttpJson.get(stack.url("order-service", "/orders/" + orderId)).body().get("status").asText())
                    .isEqualTo("COMPLETED");
        }
        var payments = stack.readAll(Topics.PAYMENTS_EVENTS.name());
        for (String orderId : orderIds) {
            assertThat(payments.stream().filter(r -> orderId.equals(r.key())).count()).as(orderId).isEqualTo(1);
        }
    }
}
