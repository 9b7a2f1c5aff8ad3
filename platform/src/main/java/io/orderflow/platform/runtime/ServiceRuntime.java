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
import io.orderflow.platform.metrics.ServiceMetrics;
import io.orderflow.platform.outbox.Outbox;
import io.orderflow.platform.outbox.OutboxRelay;
import io.orderflow.schemas.Topic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
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
    private final ServiceMetrics metrics;
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
    private final List<AutoCloseable> extras = new ArrayList<>();
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
    private boolean started;
    private boolean closed;

    private ServiceRuntime(ServiceConfig config) {
        this.config = config;
        this.metrics = new ServiceMetrics(config.serviceName(), config.kafkaBootstrapServers());
        try {
            this.db = Database.open(config.serviceName(), config.dbUrl(), config.dbUser(), config.dbPassword(), 16,
                    metrics.registry());
        } catch (RuntimeException e) {
            metrics.close();
            throw e;
        }
        this.registry = new HttpSchemaRegistryClient(config.schemaRegistryUrl());
        this.serde = new AvroSerde(registry);
        this.relay = new OutboxRelay(config.serviceName(), db, new KafkaProducer<>(KafkaClients.with(
                KafkaClients.producer(config.kafkaBootstrapServers(), config.serviceName() + "-outbox"), Map.of(
                        // Give up on a send within seconds while Kafka is down: the rows stay and the relay retries.
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000))),
                serde.serializer(), OutboxRelay.Settings.DEFAULT);
        this.outbox = new Outbox(relay::wakeup);
        this.deadLetterProducer = new KafkaProducer<>(KafkaClients.with(KafkaClients.producer(
                config.kafkaBootstrapServers(), config.serviceName() + "-dlt"), Map.of(
                        // A DLT send that cannot succeed fails within seconds; the record is retried, never skipped.
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 25_000)));
        this.http = new HttpApi(config.serviceName(), config.httpHost(), config.httpPort(),
                config.httpLimits().withThreads(64));
        http.metrics(metrics.registry());
        readinessChecks.put("database", db::isUp);
        registerMetrics();
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

    /** This service's {@code /metrics}: add a meter, or {@link ServiceMetrics#watchGroup} another group's lag. */
    public ServiceMetrics metrics() {
        return metrics;
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

    /**
     * The per-loop shares of a subscription's cap of {@code cap} records/s (0: no cap) over {@code loops} loops:
     * they add up to the cap exactly (40 over 3 loops: 14, 13, 13; rounding each up would allow 42). A cap
     * smaller than the loop count runs fewer loops, since a share of 0 would mean "no cap".
     */
    static int[] capShares(int cap, int loops) {
        if (cap <= 0) {
            return new int[loops];
        }
        int n = Math.min(loops, cap);
        int[] shares = new int[n];
        for (int i = 0; i < n; i++) {
            shares[i] = cap / n + (i < cap % n ? 1 : 0);
        }
        return shares;
    }

    public synchronized void start() throws Exception {
        TopicAdmin.ensureTopics(config.kafkaBootstrapServers(), config.topicPartitions(),
                config.topicReplicationFactor(), List.of(config.consumerGroup()));
        relay.start();
        int n = 0;
        for (PendingConsumer pending : pendingConsumers) {
            // Several members of the group in this process: each applies its own partitions' records in order.
            // A cap is the subscription's: the loops' shares add up to it.
            int[] loopCaps = capShares(config.consumerMaxRecordsPerSecond(), Math.max(1, config.consumerThreads()));
            for (int loopCap : loopCaps) {
                var props = KafkaClients.consumer(config.kafkaBootstrapServers(), config.consumerGroup(),
                        config.serviceName() + "-consumer-" + n++);
                if (loopCap > 0) {
                    // Small polls, so a capped loop waits in short steps between them (well within max.poll.interval.ms).
                    props.put(org.apache.kafka.clients.consumer.ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                            Math.max(1, Math.min(500, loopCap / 5)));
                }
                IdempotentConsumer consumer = new IdempotentConsumer(config.consumerGroup(), props,
                        pending.topics(), serde.deserializer(), db, pending.handler(),
                        new DeadLetters(config.consumerGroup(), deadLetterProducer), retryPolicy)
                        .maxRecordsPerSecond(loopCap);
                consumer.start();
                consumers.add(consumer);
            }
        }
        // DOWN while a consumer loop cannot run: failed and restarting, or stuck in a batch past max.poll.interval.ms.
        readinessChecks.put("consumers", () -> consumers.stream().allMatch(IdempotentConsumer::ready));
        http.get("/health", req -> health());
        http.get("/health/ready", req -> health());
        http.get("/health/live", req -> Response.ok(Map.of("status", "UP")));
        http.get("/metrics", req -> Response.text(200, metrics.scrape(), ServiceMetrics.contentType()));
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

    /**
     * {@code /health} and {@code /health/ready}. {@code status} is
     * <ul>
     *   <li>{@code DOWN} (503, not ready) when a readiness check fails: the database, a consumer loop that
     *       cannot run, or a check the service added;</li>
     *   <li>{@code DEGRADED} (200, ready) when the service works but something needs attention: the outbox
     *       relay cannot publish now (Kafka or the registry away: the outbox holds the events, so checkout
     *       goes on; or its lock row is missing), or outbox rows are parked and need an operator;</li>
     *   <li>{@code UP} (200) otherwise.</li>
     * </ul>
     * {@code checks} says which, and {@code outbox} gives the relay's state and the parked row count.
     */
    private Response health() {
        Map<String, String> checks = new LinkedHashMap<>();
        boolean up = true;
        for (var e : readinessChecks.entrySet()) {
            boolean ok = e.getValue().getAsBoolean();
            checks.put(e.getKey(), ok ? "UP" : "DOWN");
            up &= ok;
        }
        long parked = relay.parkedCount();
        boolean relayHealthy = relay.healthy();
        checks.put("outboxRelay", relayHealthy ? "UP" : "DOWN");
        checks.put("outboxParked", parked == 0 ? "UP" : "DEGRADED");
        Map<String, Object> outboxState = new LinkedHashMap<>();
        outboxState.put("relay", relay.status().name());
        outboxState.put("parkedRows", parked);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", !up ? "DOWN" : relayHealthy && parked == 0 ? "UP" : "DEGRADED");
        body.put("service", config.serviceName());
        body.put("checks", checks);
        body.put("outbox", outboxState);
        return Response.json(up ? 200 : 503, body);
    }

    /** The relay's and the consumers' figures, read at each scrape (names as before Micrometer; values are now doubles). */
    private void registerMetrics() {
        metrics.watchGroup(config.consumerGroup())
                .counter("orderflow.outbox.published", "Outbox rows published and acknowledged by the broker", relay,
                        OutboxRelay::publishedCount)
                .gauge("orderflow.outbox.parked", "Outbox rows parked after repeated failures (an operator must look)", relay,
                        OutboxRelay::parkedCount)
                .gauge("orderflow.outbox.relay.healthy", "1 while the relay can publish", relay, r -> r.healthy() ? 1 : 0)
                .counter("orderflow.outbox.relay.retries", "Relay batches cut short because Kafka, the registry or the DB was away",
                        relay, OutboxRelay::retryCount)
                .counter("orderflow.consumer.applied", "Events applied by this service's consumer group", this,
                        r -> r.sum(IdempotentConsumer::appliedCount))
                .counter("orderflow.consumer.duplicates", "Redelivered events skipped by the inbox", this,
                        r -> r.sum(IdempotentConsumer::duplicateCount))
                .counter("orderflow.consumer.dead.lettered", "Records sent to the group's DLT", this,
                        r -> r.sum(IdempotentConsumer::deadLetteredCount))
                .counter("orderflow.consumer.transient.retries", "Partitions paused to retry after a transient failure", this,
                        r -> r.sum(IdempotentConsumer::transientRetryCount))
                .counter("orderflow.consumer.restarts", "Consumer loops restarted after a failure", this,
                        r -> r.sum(IdempotentConsumer::restartCount))
                .gauge("orderflow.consumer.paused.partitions", "Partitions paused right now, waiting to retry", this,
                        r -> r.sum(IdempotentConsumer::pausedPartitionCount))
                .gauge("orderflow.consumer.ready", "1 while every consumer loop polls in its group", this,
                        r -> r.consumers.stream().allMatch(IdempotentConsumer::ready) ? 1 : 0);
    }

    private long sum(java.util.function.ToLongFunction<IdempotentConsumer> counter) {
        return consumers.stream().mapToLong(counter).sum();
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
        order.add(metrics);
        io.orderflow.platform.lifecycle.ServiceRunner.closeAll(order);
        if (started) {
            log.info("{} stopped", config.serviceName());
        }
    }

    private record PendingConsumer(List<Topic> topics, EventHandler handler) {
    }
}
