package io.orderflow.order.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.OrderStatus;
import io.orderflow.events.OrderStatusChanged;
import io.orderflow.order.OrderService;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.consumer.DeadLetters;
import io.orderflow.platform.consumer.Redrive;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.kafka.TopicAdmin;
import io.orderflow.platform.streams.StreamsApp;
import io.orderflow.platform.testing.ServiceStack;
import io.orderflow.platform.testing.TopicContents;
import io.orderflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * The saga against the real embedded broker and registry, as order-service runs it: a record that
 * cannot be read and one that cannot be applied go to {@code order-saga.dlt} with the reason in
 * headers, the orders around them on the same partitions complete, and the app stays RUNNING
 * (no crash loop). {@code redrive order-saga} sends the dead letters back where they came from.
 */
class SagaDeadLetterIT {

    private static final String APP = OrderService.SAGA_APPLICATION_ID;
    private static final String DLT = Topics.deadLetterTopic(APP);

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndTheOtherOrdersComplete() throws Exception {
        try (ServiceStack stack = ServiceStack.start()) {
            Env env = stack.env();
            String bootstrap = env.string("KAFKA_BOOTSTRAP_SERVERS", null);
            // One partition per topic: the poison records sit in front of the good ones, so a crash loop
            // on them would stop every order after them.
            TopicAdmin.ensureTopics(bootstrap, 1, (short) 1, List.of(APP));
            AvroSerde serde = new AvroSerde(new HttpSchemaRegistryClient(env.string("SCHEMA_REGISTRY_URL", null)));
            Path stateDir = Files.createTempDirectory(Path.of(env.string("DATA_DIR", null)), "streams");
            try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(KafkaClients.producer(bootstrap, "poison"));
                 StreamsApp saga = new StreamsApp(SagaTopology.topology(serde, SagaSettings.defaults()),
                         StreamsApp.defaults(APP, bootstrap, stateDir.toString(), (short) 1));
                 ServiceStack.TopicReader statuses = stack.read(Topics.ORDERS_STATUS)) {
                saga.start(Duration.ofSeconds(60));
                String before = "before-" + UUID.randomUUID();
                String after = "after-" + UUID.randomUUID();
                byte[] notAvro = "not the wire format".getBytes(StandardCharsets.UTF_8);

                // Given an order started before the poison and one after it
                stack.send(Topics.PAYMENTS_EVENTS, before, happenedNow(Events.paymentCompleted(before, null)));
                raw.send(new ProducerRecord<>(Topics.PAYMENTS_EVENTS.name(), "unreadable", notAvro)).get(30, TimeUnit.SECONDS);
                // a readable event keyed by another order than its own: the saga refuses to apply it
                stack.send(Topics.POINTS_EVENTS, "wrong-key", happenedNow(Events.pointsApplied(before)));
                stack.send(Topics.PAYMENTS_EVENTS, after, happenedNow(Events.paymentCompleted(after, null)));
                stack.send(Topics.POINTS_EVENTS, before, happenedNow(Events.pointsApplied(before)));
                stack.send(Topics.POINTS_EVENTS, after, happenedNow(Events.pointsApplied(after)));

                // Then both orders complete
                await("both orders COMPLETED past the poison records").atMost(Duration.ofSeconds(60))
                        .untilAsserted(() -> assertThat(statuses.poll()).map(r -> (OrderStatusChanged) r)
                                .filteredOn(s -> s.getStatus() == OrderStatus.COMPLETED)
                                .extracting(OrderStatusChanged::getOrderId).contains(before, after));
                assertThat(saga.state()).as("the saga never stopped").isEqualTo(KafkaStreams.State.RUNNING);
                assertThat(saga.isHealthy()).isTrue();

                // and the two poison records are in the DLT, byte for byte, with the reason
                List<ConsumerRecord<String, byte[]>> dead = TopicContents.awaitAtLeast(bootstrap, DLT, 2);
                assertThat(dead).hasSize(2);
                ConsumerRecord<String, byte[]> unreadable = byKey(dead, "unreadable");
                assertThat(unreadable.value()).isEqualTo(notAvro);
                assertThat(headers(unreadable)).containsEntry(DeadLetters.ORIGINAL_TOPIC, Topics.PAYMENTS_EVENTS.name())
                        .containsEntry(DeadLetters.ORIGINAL_PARTITION, "0")
                        .containsEntry(DeadLetters.ORIGINAL_OFFSET, "1")
                        .containsEntry(DeadLetters.CONSUMER_GROUP, APP)
                        .containsKeys(DeadLetters.EXCEPTION_CLASS, DeadLetters.EXCEPTION_STACKTRACE, DeadLetters.FAILED_AT);
                assertThat(headers(unreadable).get(DeadLetters.EXCEPTION_MESSAGE)).contains("Not Confluent wire format");
                ConsumerRecord<String, byte[]> wrongKey = byKey(dead, "wrong-key");
                assertThat(headers(wrongKey)).containsEntry(DeadLetters.ORIGINAL_TOPIC, Topics.POINTS_EVENTS.name())
                        .containsEntry(DeadLetters.ORIGINAL_OFFSET, "0");
                assertThat(headers(wrongKey).get(DeadLetters.EXCEPTION_MESSAGE)).contains("wrong-key", before);
                assertThat(serde.deserialize(Topics.POINTS_EVENTS.name(), wrongKey.value()))
                        .as("the record as it was read").isInstanceOf(io.orderflow.events.PointsApplied.class);

                // When an operator redrives the saga's dead letters, they go back to their topics
                Redrive.Result redriven = Redrive.run(bootstrap, APP, false);

                assertThat(redriven.perTopic()).isEqualTo(Map.of(Topics.PAYMENTS_EVENTS.name(), 1,
                        Topics.POINTS_EVENTS.name(), 1));
                List<ConsumerRecord<String, byte[]>> payments = TopicContents.readAll(bootstrap, Topics.PAYMENTS_EVENTS.name());
                assertThat(payments).filteredOn(r -> "unreadable".equals(r.key())).hasSize(2)
                        .allSatisfy(r -> assertThat(r.value()).isEqualTo(notAvro));
                // (still poison: the saga dead-letters them again and keeps going)
                assertThat(TopicContents.awaitAtLeast(bootstrap, DLT, 4)).hasSize(4);
                assertThat(saga.state()).isEqualTo(KafkaStreams.State.RUNNING);
            }
        }
    }

    /** Events.* happened on a fixed day; here they must be recent, or the saga ignores them as older than its retention. */
    private static <T extends SpecificRecord> T happenedNow(T event) {
        event.put(event.getSchema().getField("occurredAt").pos(), Instant.now());
        return event;
    }

    private static ConsumerRecord<String, byte[]> byKey(List<ConsumerRecord<String, byte[]>> records, String key) {
        return records.stream().filter(r -> key.equals(r.key())).findFirst()
                .orElseThrow(() -> new AssertionError("no dead letter with key " + key + " in " + records));
    }

    private static Map<String, String> headers(ConsumerRecord<String, byte[]> record) {
        return Arrays.stream(record.headers().toArray()).collect(Collectors.toMap(Header::key,
                h -> new String(h.value(), StandardCharsets.UTF_8), (a, b) -> b));
    }
}
