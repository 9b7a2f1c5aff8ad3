package io.orderflow.devstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Schema Registry that speaks the Confluent REST API (the part serializers and Kafka UI use),
 * for Avro schemas, keeping its state in a compacted Kafka topic ({@code _schemas}) so ids and
 * versions survive restarts. On start it reads the whole topic, then serves; every write is
 * acknowledged by Kafka (acks=all) before it is answered. Compatibility is Avro's own check.
 *
 * <pre>{@code
 * try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder(kafka.bootstrapServers()).build().start()) {
 *     String url = registry.url();
 * }
 * }</pre>
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    static {
        // Without it the JDK server's responses wait ~40 ms for the client's delayed ACK (Nagle).
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }


    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);

    private final String bootstrapServers;
    private final String host;
    private final int requestedPort;
    private final String topicName;
    private final short replicationFactor;
    private final Duration timeout;
    private final int threads;

    private SchemasTopic topic;
    private HttpServer server;
    private ExecutorService executor;

    private EmbeddedSchemaRegistry(Builder builder) {
        this.bootstrapServers = builder.bootstrapServers;
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.topicName = builder.topic;
        this.replicationFactor = builder.replicationFactor;
        this.timeout = builder.timeout;
        this.threads = builder.threads;
    }

    /** A registry storing its schemas in the Kafka cluster at {@code bootstrapServers}. */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    /** Creates the topic if needed, rebuilds the state from it, then serves HTTP. */
    public synchronized EmbeddedSchemaRegistry start() {
        if (server != null) {
            throw new IllegalStateException("Already started");
        }
        long began = System.nanoTime();
        ObjectMapper json = new ObjectMapper();
        topic = new SchemasTopic(bootstrapServers, topicName, replicationFactor, timeout);
        try {
            topic.ensureExists();
            SchemaStore store = new SchemaStore(json, topic);
            int records = store.load();
            executor = Executors.newFixedThreadPool(threads, daemonThreads());
            server = HttpServer.create(new InetSocketAddress(host, requestedPort), 64);
            server.setExecutor(executor);
            server.createContext("/", new RegistryHttpHandler(store, json));
            server.start();
            log.info("Schema registry on {} ({} records replayed from {}) ready in {} ms", url(), records, topicName,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("Cannot bind the schema registry to " + host + ":" + requestedPort, e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    /** {@code http://<host>:<port>} (127.0.0.1 when bound to every interface). */
    public String url() {
        return "http://" + (host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host) + ":" + port();
    }

    public int port() {
        if (server == null) {
            throw new IllegalStateException("EmbeddedSchemaRegistry not started");
        }
        return server.getAddress().getPort();
    }

    /** Stops serving, waits for requests in flight, closes the Kafka producer; safe to call twice. */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        if (executor != null) {
            executor.shutdown();
            try {
                if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                    log.warn("Schema registry requests still running after 10 s; interrupting them");
                    executor.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                executor.shutdownNow();
            }
            executor = null;
        }
        if (topic != null) {
            topic.close();
            topic = null;
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "schema-registry-http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Settings of an {@link EmbeddedSchemaRegistry}. */
    public static final class Builder {
        private final String bootstrapServers;
        private String host = "127.0.0.1";
        private int port;
        private String topic = "_schemas";
        private short replicationFactor = 1;
        private Duration timeout = Duration.ofSeconds(30);
        private int threads = 4;

        private Builder(String bootstrapServers) {
            this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        }

        /** Interface to bind (default 127.0.0.1). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** HTTP port; 0 (default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The compacted topic holding the schemas (default {@code _schemas}). */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic);
            return this;
        }

        /** Replication factor of the schema topic when it is created (default 1). */
        public Builder replicationFactor(int replicationFactor) {
            this.replicationFactor = (short) replicationFactor;
            return this;
        }

        /** Bound on topic creation, the start-up replay and each write (default 30 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** HTTP worker threads (default 4). */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public EmbeddedSchemaRegistry build() {
            return new EmbeddedSchemaRegistry(this);
        }
    }
}
