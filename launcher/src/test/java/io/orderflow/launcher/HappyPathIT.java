package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.schemas.Topic;
import io.orderflow.schemas.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The happy path end to end on a real broker and registry: POST → COMPLETED, every effect visible once. */
class HappyPathIT {

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
    void anOrderIsAcceptedAtOnceAndCompletesWithEveryEffectVisible() throws Exception {
        // When a customer places an order with a coupon
        HttpJson.Reply placed = HttpJson.post(stack.url("order-service", "/orders"), HttpJson.order("c-happy", "WELCOME10", 0));

        // Then it is accepted at once, PENDING, with a Location
        assertThat(placed.status()).isEqualTo(202);
        String orderId = placed.body().get("orderId").asText();
        assertThat(placed.header("Location")).isEqualTo("/orders/" + orderId);
        assertThat(placed.body().get("status").asText()).isEqualTo("PENDING");
        assertThat(placed.body().get("amountCents").asLong()).isEqualTo(3998 - 1000);

        // And the saga completes it; the long poll returns as soon as it is final
        JsonNode order = HttpJson.get(stack.url("order-service", "/orders/" + orderId + "?waitSeconds=20")).body();
        assertThat(order.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(order.get("reason").isNull()).isTrue();
        assertThat(order.get("steps")).extracting(s -> s.get("step").asText() + "=" + s.get("state").asText())
                .containsExactlyInAnyOrder("PAYMENT=SUCCEEDED", "COUPON=SUCCEEDED", "POINTS=SUCCEEDED");

        // And each service shows its effect
        assertThat(HttpJson.get(stack.url("points-service", "/customers/c-happy/points")).body().get("balance").asLong())
                .isEqualTo(2998 / 100);
        JsonNode coupon = HttpJson.get(stack.url("coupon-service", "/coupons/WELCOME10")).body();
        assertThat(coupon.get("discountCents").asLong()).isEqualTo(1000);
        assertThat(coupon.get("remaining").isNull()).isTrue();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                HttpJson.get(stack.url("notification-service", "/notifications?orderId=" + orderId)).body())
                .extracting(n -> n.get("kind").asText())
                .containsExactlyInAnyOrder("PAYMENT_RECEIVED", "ORDER_CONFIRMED"));
    }

    @Test
    void everyRecordIsConfluentWireFormatWithASchemaIdTheRegistryKnows() throws Exception {
        stack.placeAndAwaitFinal(HttpJson.order("c-wire", null, 0));
        Set<Integer> ids = new HashSet<>();
        for (Topic topic : List.of(Topics.PAYMENTS_EVENTS, Topics.COUPON_EVENTS, Topics.POINTS_EVENTS,
                Topics.ORDERS_STATUS, Topics.COUPONS_CATALOG)) {
            List<ConsumerRecord<String, byte[]>> records = stack.readAll(topic.name());
            assertThat(records).as(topic.name()).isNotEmpty();
            for (ConsumerRecord<String, byte[]> r : records) {
                assertThat(r.value()[0]).as("magic byte on " + topic).isZero();
                ids.add(ByteBuffer.wrap(r.value(), 1, 4).getInt());
            }
        }
        for (int id : ids) {
            HttpJson.Reply schema = HttpJson.get(stack.devstack.schemaRegistryUrl() + "/schemas/ids/" + id);
            assertThat(schema.status()).as("schema " + id).isEqualTo(200);
        }
        assertThat(HttpJson.get(stack.devstack.schemaRegistryUrl() + "/subjects").body())
                .extracting(JsonNode::asText).contains("payments.events-value", "orders.status-value");
    }

    @Test
    void aRedeliveredPaymentCompletedChangesCouponsPointsAndNotificationsOnce() throws Exception {
        JsonNode order = stack.placeAndAwaitFinal(HttpJson.order("c-redelivery", "FLASH100", 0));
        String orderId = order.get("orderId").asText();
        assertThat(order.get("status").asText()).isEqualTo("COMPLETED");
        long balance = HttpJson.get(stack.url("points-service", "/customers/c-redelivery/points")).body().get("balance").asLong();
        int remaining = HttpJson.get(stack.url("coupon-service", "/coupons/FLASH100")).body().get("remaining").asInt();
        awaitNotifications(orderId, 2);

        // When the same PaymentCompleted is delivered again, byte for byte (what a producer retry or a rewind does)
        ConsumerRecord<String, byte[]> original = stack.readAll(Topics.PAYMENTS_EVENTS.name()).stream()
                .filter(r -> orderId.equals(r.key())).findFirst().orElseThrow();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                KafkaClients.producer(stack.devstack.bootstrapServers(), "redelivery-test"))) {
            producer.send(new ProducerRecord<>(original.topic(), null, original.key(), original.value(),
                    original.headers())).get();
        }

        // Then every group consumes it ...
        stack.awaitGroupsCaughtUp(Topics.PAYMENTS_EVENTS.name(), "coupon-service", "points-service", "notification-service");
        // ... and nothing changes
        assertThat(HttpJson.get(stack.url("points-service", "/customers/c-redelivery/points")).body().get("balance").asLong())
                .isEqualTo(balance);
        assertThat(HttpJson.get(stack.url("coupon-service", "/coupons/FLASH100")).body().get("remaining").asInt())
                .isEqualTo(remaining);
        assertThat(HttpJson.get(stack.url("notification-service", "/notifications?orderId=" + orderId)).body()).hasSize(2);
    }

    @Test
    void theCallerCanHaveTheOutcomePushedAsServerSentEvents() throws Exception {
        HttpJson.Reply placed = HttpJson.post(stack.url("order-service", "/orders"), HttpJson.order("c-sse", null, 0));
        String orderId = placed.body().get("orderId").asText();

        java.net.http.HttpResponse<java.util.stream.Stream<String>> stream = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(stack.url("order-service", "/orders/" + orderId + "/events")))
                        .timeout(Duration.ofSeconds(60)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofLines());

        assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        List<String> statuses = stream.body().filter(line -> line.startsWith("data: "))
                .map(line -> readJson(line.substring(6)).get("status").asText()).toList(); // ends when final
        assertThat(statuses).isNotEmpty().doesNotHaveDuplicates();
        assertThat(statuses.get(statuses.size() - 1)).isEqualTo("COMPLETED");
    }

    private static JsonNode readJson(String json) {
        try {
            return io.orderflow.platform.http.Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(json, e);
        }
    }

    @Test
    void badInputIsRefusedWithAProblemNamingTheField() throws Exception {
        HttpJson.Reply reply = HttpJson.post(stack.url("order-service", "/orders"),
                "{\"customerId\":\"c-1\",\"currency\":\"USD\",\"items\":[{\"sku\":\"A\",\"quantity\":0,\"unitPriceCents\":5}]}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(reply.body().get("errors").get(0).get("field").asText()).isEqualTo("items[0].quantity");

        HttpJson.Reply unknownCoupon = HttpJson.post(stack.url("order-service", "/orders"), HttpJson.order("c-1", "NOPE", 0));
        assertThat(unknownCoupon.status()).isEqualTo(400);
        assertThat(unknownCoupon.body().get("errors").get(0).get("field").asText()).isEqualTo("couponCode");
    }

    @Test
    void theSameIdempotencyKeyPlacesOneOrder() throws Exception {
        String body = HttpJson.order("c-idem", null, 0);
        HttpJson.Reply first = HttpJson.post(stack.url("order-service", "/orders"), body, "Idempotency-Key", "k-123");
        HttpJson.Reply second = HttpJson.post(stack.url("order-service", "/orders"), body, "Idempotency-Key", "k-123");
        HttpJson.Reply other = HttpJson.post(stack.url("order-service", "/orders"), HttpJson.order("c-idem", null, 5),
                "Idempotency-Key", "k-123");

        assertThat(second.body().get("orderId").asText()).isEqualTo(first.body().get("orderId").asText());
        assertThat(other.status()).isEqualTo(422);
        long payments = stack.readAll(Topics.PAYMENTS_EVENTS.name()).stream()
                .filter(r -> first.body().get("orderId").asText().equals(r.key())).count();
        assertThat(payments).isEqualTo(1);
    }

    private static void awaitNotifications(String orderId, int count) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                HttpJson.get(stack.url("notification-service", "/notifications?orderId=" + orderId)).body()).hasSize(count));
    }


}
