package io.orderflow.platform.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.orderflow.devstack.DevStack;
import io.orderflow.devstack.EmbeddedSchemaRegistry;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The serde against a real broker and the embedded registry, through the REST client. */
class AvroSerdeRegistryIT {

    private static final String TOPIC = Topics.PAYMENTS_EVENTS.name();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static DevStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = DevStack.startForTests();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aPaymentCompletedTravelsThroughKafkaInTheConfluentWireFormat() throws Exception {
        // A trailing slash on the URL must not matter.
        AvroSerde serde = new AvroSerde(new HttpSchemaRegistryClient(stack.schemaRegistryUrl() + "/"));
        PaymentCompleted payment = PaymentCompleted.newBuilder()
                .setEventId("e-1").setOrderId("o-1").setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setPaymentId("p-1").setCustomerId("c-1").setCurrency("USD")
                .setSubtotalCents(3998).setCouponCode("WELCOME10").setDiscountCents(1000)
                .setPointsRedeemed(0).setAmountCents(2998).build();

        try (KafkaProducer<String, SpecificRecord> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), serde.serializer())) {
            producer.send(new ProducerRecord<>(TOPIC, payment.getOrderId(), payment)).get(30, TimeUnit.SECONDS);
        }

        ConsumerRecord<String, byte[]> record = readOne();
        byte[] bytes = record.value();
        assertThat(record.key()).isEqualTo("o-1");
        assertThat(bytes[0]).isZero();
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();

        AvroSerde reader = new AvroSerde(new HttpSchemaRegistryClient(stack.schemaRegistryUrl()));
        assertThat(reader.deserializer().deserialize(TOPIC, bytes)).isEqualTo(payment);

        JsonNode byId = getJson("/schemas/ids/" + id);
        assertThat(new Schema.Parser().parse(byId.get("schema").asText())).isEqualTo(Topics.PAYMENTS_EVENTS.valueSchema());
        List<String> subjects = new ArrayList<>();
        getJson("/subjects").forEach(s -> subjects.add(s.asText()));
        assertThat(subjects).contains(TOPIC + "-value");
    }

    @Test
    void answersComeFromTheCacheOnceKnownEvenWhenTheRegistryIsGone() {
        Schema schema = SchemaBuilder.record("Cached").namespace("it").fields().requiredString("id").endRecord();
        HttpSchemaRegistryClient client;
        int id;
        try (EmbeddedSchemaRegistry shortLived = EmbeddedSchemaRegistry.builder(stack.bootstrapServers())
                .topic("_schemas_cache_it").build().start()) {
            client = new HttpSchemaRegistryClient(shortLived.url());
            id = client.register("cached-value", schema);
            assertThat(client.schemaById(id)).isEqualTo(schema);
        }
        // The registry is closed: only cached answers can still come.
        assertThat(client.register("cached-value", schema)).isEqualTo(id);
        assertThat(client.schemaById(id)).isEqualTo(schema);
        assertThatThrownBy(() -> client.schemaById(id + 1))
                .isInstanceOfSatisfying(SchemaRegistryUnavailableException.class, e -> assertThat(e.httpStatus()).isEqualTo(-1));
    }

    @Test
    void registryErrorsCarryTheHttpStatusAndConfluentErrorCode() {
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(stack.schemaRegistryUrl());
        assertThatThrownBy(() -> client.schemaById(424242))
                .isInstanceOfSatisfying(SchemaNotFoundException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(404);
                    assertThat(e.errorCode()).isEqualTo(40403);
                });

        Schema v1 = SchemaBuilder.record("Evolving").namespace("it").fields().requiredString("id").endRecord();
        Schema breaking = SchemaBuilder.record("Evolving").namespace("it").fields()
                .requiredString("id").requiredLong("amount").endRecord();
        client.register("evolving-value", v1);
        assertThatThrownBy(() -> client.register("evolving-value", breaking))
                .isInstanceOfSatisfying(SchemaRejectedException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("incompatible");
                });
    }

    private static ConsumerRecord<String, byte[]> readOne() {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "avro-serde-it",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    return record;
                }
            }
        }
        throw new AssertionError("No record on " + TOPIC + " within 30 s");
    }

    private static JsonNode getJson(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(stack.schemaRegistryUrl() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
