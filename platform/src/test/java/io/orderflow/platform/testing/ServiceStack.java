package io.orderflow.platform.testing;

import io.orderflow.devstack.DevStack;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.schemas.Topic;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * For a service's {@code *IT}: the real embedded Kafka and Schema Registry ({@link DevStack}), a
 * fresh PostgreSQL database ({@link TestDatabase}), the environment a service needs to run against
 * them (free HTTP port, temp data dir), and ways to send events, read a topic and call the
 * service's HTTP API. One service (or instances of one) per stack: they share its database.
 */
public final class ServiceStack implements AutoCloseable {

    private final DevStack devstack;
    private final Path dataDir;
    private final AvroSerde serde;
    private final KafkaProducer<String, byte[]> producer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestDatabase database;

    private ServiceStack(DevStack devstack, Path dataDir) {
        this.devstack = devstack;
        this.dataDir = dataDir;
        this.serde = new AvroSerde(new HttpSchemaRegistryClient(devstack.schemaRegistryUrl()));
        this.producer = new KafkaProducer<>(KafkaClients.producer(devstack.bootstrapServers(), "it-producer"));
    }

    public static ServiceStack start() throws Exception {
        Path dataDir = Files.createTempDirectory("orderflow-it-");
        return new ServiceStack(DevStack.startForTests(), dataDir);
    }

    /**
     * What a service reads to run here: embedded Kafka and registry, the stack's own database (created
     * on the first call, the same on every call, so a restarted service finds its data), a temp data
     * dir, a free port.
     */
    public Env env() {
        TestDatabase db = database();
        return Env.of(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", devstack.bootstrapServers(),
                "SCHEMA_REGISTRY_URL", devstack.schemaRegistryUrl(),
                "DB_URL", db.url(),
                "DB_USER", db.user(),
                "DB_PASSWORD", db.password(),
                "DATA_DIR", dataDir.toString(),
                "HTTP_HOST", "127.0.0.1",
                "HTTP_PORT", "0",
                "TOPIC_PARTITIONS", "2"));
    }

    private synchronized TestDatabase database() {
        if (database == null) {
            try {
                database = TestDatabase.create("service-stack");
            } catch (Exception e) {
                throw new IllegalStateException("Cannot create the stack's test database", e);
            }
        }
        return database;
    }

    /** Publishes {@code event} keyed by {@code key} as a service of the flow would, and waits for the ack. */
    public void send(Topic topic, String key, SpecificRecord event) throws Exception {
        producer.send(new ProducerRecord<>(topic.name(), key, serde.serialize(topic.name(), event))).get(30, TimeUnit.SECONDS);
    }

    /** A reader of {@code topic} from its beginning; poll it inside a bounded await. */
    public TopicReader read(Topic topic) {
        var props = KafkaClients.consumer(devstack.bootstrapServers(), "it-reader-" + UUID.randomUUID(), "it-reader");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(topic.name()));
        return new TopicReader(consumer);
    }

    /** Everything read from one topic so far, decoded. */
    public final class TopicReader implements AutoCloseable {

        private final KafkaConsumer<String, byte[]> consumer;
        private final List<SpecificRecord> seen = new ArrayList<>();

        private TopicReader(KafkaConsumer<String, byte[]> consumer) {
            this.consumer = consumer;
        }

        /** Polls once (briefly) and returns every record seen so far. */
        public List<SpecificRecord> poll() {
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                seen.add(serde.deserialize(r.topic(), r.value()));
            }
            return List.copyOf(seen);
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    public HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(int port, String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(port, path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    @Override
    public void close() throws Exception {
        producer.close(Duration.ofSeconds(5));
        devstack.close();
        synchronized (this) {
            if (database != null) {
                database.close();
            }
        }
        try (Stream<Path> paths = Files.walk(dataDir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
