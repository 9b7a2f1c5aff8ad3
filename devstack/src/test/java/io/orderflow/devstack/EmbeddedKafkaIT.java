package io.orderflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaIT {

    private static final String TOPIC = "devstack.it";
    private static final String GROUP = "devstack-it-group";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    private Path dir;

    @BeforeEach
    void createDir() throws Exception {
        dir = Files.createTempDirectory("embedded-kafka-it-");
    }

    @AfterEach
    void deleteDir() {
        DevStack.deleteRecursively(dir);
    }

    @Test
    void keepsRecordsAndCommittedOffsetsAcrossARestartOnTheSameDirectory() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).build().start()) {
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
            try (Admin admin = admin(kafka)) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = producer(kafka)) {
                producer.send(new ProducerRecord<>(TOPIC, "order-1", "first")).get(30, TimeUnit.SECONDS);
                producer.send(new ProducerRecord<>(TOPIC, "order-2", "second")).get(30, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<String, String> consumer = consumer(kafka)) {
                consumer.subscribe(List.of(TOPIC));
                List<ConsumerRecord<String, String>> read = pollUntil(consumer, 2);
                assertThat(read).extracting(ConsumerRecord::value).containsExactly("first", "second");
                // Commit past the first record only: the restart must remember exactly this.
                consumer.commitSync(Map.of(PARTITION, new OffsetAndMetadata(1)));
            }
        }

        try (EmbeddedKafka restarted = EmbeddedKafka.builder().dataDir(dir).build().start()) {
            try (Admin admin = admin(restarted)) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(TOPIC);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertThat(committed.get(PARTITION).offset()).isEqualTo(1);
            }
            try (KafkaConsumer<String, String> consumer = consumer(restarted)) {
                consumer.subscribe(List.of(TOPIC));
                List<ConsumerRecord<String, String>> read = pollUntil(consumer, 1);
                assertThat(read).extracting(ConsumerRecord::key, ConsumerRecord::value)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("order-2", "second"));
            }
        }
    }

    @Test
    void stopIsIdempotentAndTheClusterIdIsKeptInTheDataDirectory() {
        String clusterId;
        EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).build().start();
        clusterId = kafka.clusterId();
        kafka.stop();
        kafka.close();
        try (EmbeddedKafka again = EmbeddedKafka.builder().dataDir(dir).build().start()) {
            assertThat(again.clusterId()).isEqualTo(clusterId);
        }
    }

    private static List<ConsumerRecord<String, String>> pollUntil(KafkaConsumer<String, String> consumer, int count) {
        List<ConsumerRecord<String, String>> read = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (read.size() < count && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(read::add);
        }
        assertThat(read).as("records read within 30 s").hasSize(count);
        return read;
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(EmbeddedKafka kafka) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer());
    }

}
