package io.orderflow.order.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.devstack.DevStack;
import io.orderflow.devstack.EmbeddedSchemaRegistry;
import io.orderflow.events.CouponDefinition;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.kafka.TopicAdmin;
import io.orderflow.schemas.Topics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * order-service's coupon view on the real broker and registry: a definition it cannot decode because
 * the registry is away is decoded once the registry is back (not skipped for good); a record that is
 * not in the wire format is skipped and the view moves on.
 */
class CouponViewIT {

    private static DevStack stack;
    private static AvroSerde serde;
    private static KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void start() {
        stack = DevStack.startForTests();
        serde = new AvroSerde(new HttpSchemaRegistryClient(stack.schemaRegistryUrl()));
        TopicAdmin.ensureTopics(stack.bootstrapServers(), 2, (short) 1, List.of());
        producer = new KafkaProducer<>(KafkaClients.producer(stack.bootstrapServers(), "coupon-view-it"));
    }

    @AfterAll
    static void stop() {
        producer.close(Duration.ofSeconds(5));
        stack.close();
    }

    private static CouponDefinition coupon(String code) {
        return CouponDefinition.newBuilder().setEventId(UUID.randomUUID().toString())
                .setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS)).setCode(code).setDiscountCents(500)
                .setCurrency("USD").build();
    }

    private static void publish(String code, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(Topics.COUPONS_CATALOG.name(), code, value)).get(30, TimeUnit.SECONDS);
    }

    private static void publish(CouponDefinition coupon) throws Exception {
        publish(coupon.getCode(), serde.serialize(Topics.COUPONS_CATALOG.name(), coupon));
    }

    @Test
    void aDefinitionReadWhileTheRegistryIsAwayIsLoadedOnceItIsBack() throws Exception {
        String code = "AWAY-" + UUID.randomUUID();
        publish(coupon(code));
        int port = freePort();
        try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder(stack.bootstrapServers()).port(port).build();
             CouponView view = new CouponView(stack.bootstrapServers(), "coupon-view-it-away",
                     new AvroSerde(new HttpSchemaRegistryClient("http://127.0.0.1:" + port, Duration.ofSeconds(1),
                             Duration.ofSeconds(2))).deserializer())) {
            // Given the view starts while its registry is unreachable
            view.start(Duration.ofMillis(100));
            await("decode attempts while the registry is away").atMost(Duration.ofSeconds(30))
                    .until(() -> view.decodeRetries() >= 3);
            assertThat(view.find(code)).isEmpty();
            assertThat(view.loaded()).as("not loaded: it has not got past the definitions it could not decode").isFalse();

            // When the registry is back, the definition is loaded
            registry.start();
            await(code + " in the view").atMost(Duration.ofSeconds(30)).until(() -> view.find(code).isPresent());
            assertThat(view.find(code).get().getDiscountCents()).isEqualTo(500);
        }
    }

    @Test
    void aRecordThatIsNotAvroIsSkippedAndTheViewMovesOn() throws Exception {
        String poison = "POISON-" + UUID.randomUUID();
        String good = "GOOD-" + UUID.randomUUID();
        publish(poison, "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8));
        publish(coupon(good));
        try (CouponView view = new CouponView(stack.bootstrapServers(), "coupon-view-it-poison", serde.deserializer())) {
            view.start(Duration.ofSeconds(30));
            await(good + " in the view").atMost(Duration.ofSeconds(30)).until(() -> view.find(good).isPresent());
            assertThat(view.find(poison)).isEmpty();
            assertThat(view.loaded()).isTrue();
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}
