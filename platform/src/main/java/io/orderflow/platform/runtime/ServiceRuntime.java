package io.orderflow.platform.runtime;

import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.avro.SchemaRegistryClient;
import io.orderflow.platform.config.ServiceConfig;
import io.orderflow.platform.consumer.DeadLetters;
import io.orderflow.platform.consumer.EventHandler;
import io.orderflow.platform.consumer.IdempotentConsumer;
import io.orderflow.platform.consumer.RetryPolicy;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.http.HttpApi;
import io.orderflow.platform.http.Response;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.kafka.TopicAdmin;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.platform.outbox.OutboxRelay;
import io.orderflow.schemas.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plumbing one service stands on, built from its {@link ServiceConfig}: its database (migrated),
 * the serde and registry client, the outbox and its relay, idempotent consumer loops with a DLT,
 * and an HTTP server with {@code /health} and {@code /metrics}. A service adds its routes and
 * handlers, then calls {@link #start()}; {@link #close()} stops everything in reverse order.
 */
public final class ServiceRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ServiceRuntime.class);

    private final ServiceConfig config;
    private final Database db;
    private final SchemaRegistryClient registry;
    private final AvroSerde serde;
    private final OutboxRelay relay;
    private final Outbox outbox;
    private final HttpApi http;
    private final KafkaProducer<String, byte[]> deadLetterProducer;
    private final List<IdempotentConsumer> consumers = new ArrayList<>();
    private final List<PendingConsumer> pendingConsumers = new ArrayList<>();
    private final Map<String, BooleanSupplier> readinessChecks = new LinkedHashMap<>();
    private final Map<String, BooleanSupplier> informationalChecks = new LinkedHashMap<>();
    private final List<AutoCloseable> extras = new ArrayList<>();
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private boolean started;
    private boolean closed;

    private ServiceRuntime(ServiceConfig config) {
        this.config = config;
        this.db = Database.open(config.serviceName(), config.dbUrl(), config.dbUser(), config.dbPassword(), 16);
        this.registry = new HttpSchemaRegistryClient(config.schemaRegistryUrl());
        this.serde = new AvroSerde(registry);
        this.relay = new OutboxRelay(config.serviceName(), db, new KafkaProducer<>(KafkaClients.with(
                KafkaClients.producer(config.kafkaBootstrapServers(), config.serviceName() + "-outbox"), Map.of(
                        // Give up on a send within seconds while Kafka is down: the rows stay and the relay retries.
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000))),
                serde.serializer(), 500, Duration.ofMillis(50));
        this.outbox = new Outbox(relay::wakeup);
        this.deadLetterProducer = new KafkaProducer<>(KafkaClients.producer(config.kafkaBootstrapServers(),
                config.serviceName() + "-dlt"));
        this.http = new HttpApi(config.serviceName(), config.httpHost(), config.httpPort(), 64);
        readinessChecks.put("database", db::isUp);
        // Shown, but not a reason to refuse traffic: while Kafka is down the outbox holds the events
        // and the service keeps accepting work. That is the point of the outbox.
        informationalChecks.put("outboxRelay", relay::healthy);
    }

    public static ServiceRuntime create(ServiceConfig config) {
        return new ServiceRuntime(config);
    }

    public ServiceConfig config() {
        return config;
    }

    public Database db() {
        return db;
    }

    public AvroSerde serde() {
        return serde;
    }

    public Outbox outbox() {
        return outbox;
    }

    public HttpApi http() {
        return http;
    }

    public ServiceRuntime retryPolicy(RetryPolicy policy) {
        this.retryPolicy = policy;
        return this;
    }

    /** Registers an idempotent consumer loop of this service's group on {@code topics}; started by {@link #start()}. */
    public ServiceRuntime consume(List<Topic> topics, EventHandler handler) {
        pendingConsumers.add(new PendingConsumer(topics, handler));
        return this;
    }

    public ServiceRuntime readinessCheck(String name, BooleanSupplier check) {
        readinessChecks.put(name, check);
        return this;
    }

    /** Something the service started and this runtime should close, before the plumbing it uses. */
    public ServiceRuntime closeOnStop(AutoCloseable closeable) {
        extras.add(closeable);
        return this;
    }

    public synchronized void start() throws Exception {
        TopicAdmin.ensureTopics(config.kafkaBootstrapServers(), config.topicPartitions(),
                config.topicReplicationFactor(), List.of(config.consumerGroup()));
        relay.start();
        int n = 0;
        for (PendingConsumer pending : pendingConsumers) {
            var props = KafkaClients.consumer(config.kafkaBootstrapServers(), config.consumerGroup(),
                    config.serviceName() + "-consumer-" + n++);
            IdempotentConsumer consumer = new IdempotentConsumer(config.consumerGroup(), new KafkaConsumer<>(props),
                    pending.topics(), serde.deserializer(), db, pending.handler(),
                    new DeadLetters(config.consumerGroup(), deadLetterProducer), retryPolicy);
            consumer.start();
            consumers.add(consumer);
        }
        readinessChecks.put("consumers", () -> consumers.stream().allMatch(IdempotentConsumer::isRunning));
        http.get("/health", req -> health());
        http.get("/health/ready", req -> health());
        http.get("/health/live", req -> Response.ok(Map.of("status", "UP")));
        http.get("/metrics", req -> Response.text(200, metrics(), "text/plain; version=0.0.4"));
        http.start();
        started = true;
        log.info("{} ready on port {}", config.serviceName(), http.port());
    }

    public List<IdempotentConsumer> consumers() {
        return List.copyOf(consumers);
    }

    public OutboxRelay relay() {
        return relay;
    }

    private Response health() {
        Map<String, String> checks = new LinkedHashMap<>();
        boolean up = true;
        for (var e : readinessChecks.entrySet()) {
            boolean ok = e.getValue().getAsBoolean();
            checks.put(e.getKey(), ok ? "UP" : "DOWN");
            up &= ok;
        }
        informationalChecks.forEach((name, check) -> checks.put(name, check.getAsBoolean() ? "UP" : "DOWN"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("service", config.serviceName());
        body.put("checks", checks);
        return Response.json(up ? 200 : 503, body);
    }

    private String metrics() {
        StringBuilder sb = new StringBuilder();
        String svc = "service=\"" + config.serviceName() + "\"";
        sb.append("# TYPE orderflow_outbox_published_total counter\n")
                .append("orderflow_outbox_published_total{").append(svc).append("} ").append(relay.publishedCount()).append('\n');
        sb.append("# TYPE orderflow_consumer_applied_total counter\n");
        long applied = consumers.stream().mapToLong(IdempotentConsumer::appliedCount).sum();
        long dups = consumers.stream().mapToLong(IdempotentConsumer::duplicateCount).sum();
        long dlt = consumers.stream().mapToLong(IdempotentConsumer::deadLetteredCount).sum();
        sb.append("orderflow_consumer_applied_total{").append(svc).append("} ").append(applied).append('\n');
        sb.append("# TYPE orderflow_consumer_duplicates_total counter\n");
        sb.append("orderflow_consumer_duplicates_total{").append(svc).append("} ").append(dups).append('\n');
        sb.append("# TYPE orderflow_consumer_dead_lettered_total counter\n");
        sb.append("orderflow_consumer_dead_lettered_total{").append(svc).append("} ").append(dlt).append('\n');
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<AutoCloseable> order = new ArrayList<>();
        order.add(db);
        order.add(deadLetterProducer);
        order.add(relay);
        order.addAll(consumers);
        order.addAll(extras);
        order.add(http);
        io.orderflow.platform.lifecycle.ServiceRunner.closeAll(order);
        if (started) {
            log.info("{} stopped", config.serviceName());
        }
    }

    private record PendingConsumer(List<Topic> topics, EventHandler handler) {
    }
}
