package io.orderflow.devstack;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Schema Registry that speaks the Confluent REST API (the part serializers and Kafka UI use),
 * for Avro schemas, keeping its state in a compacted Kafka topic ({@code _schemas}) so ids and
 * versions survive restarts. On start it reads the whole topic, then serves; every write is
 * acknowledged by Kafka (acks=all) before it is answered. Compatibility is Avro's own check.
 *
 * <p>It serves HTTP on Jetty with the limits of any server on a shared machine: a bounded body
 * (413) and schema (422), bounded headers, a bounded worker pool, idle and body timeouts and a
 * connection limit, so a few large or slow requests cannot take the JVM it shares with the services.
 *
 * <pre>{@code
 * try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.builder(kafka.bootstrapServers()).build().start()) {
 *     String url = registry.url();
 * }
 * }</pre>
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);

    private final String bootstrapServers;
    private final String host;
    private final int requestedPort;
    private final String topicName;
    private final short replicationFactor;
    private final Duration timeout;
    private final int threads;
    private final int maxBodyBytes;
    private final int maxSchemaLength;
    private final Duration idleTimeout;
    private final Duration bodyTimeout;
    private final int maxConnections;

    private SchemasTopic topic;
    private Server server;
    private ServerConnector connector;

    private EmbeddedSchemaRegistry(Builder builder) {
        this.bootstrapServers = builder.bootstrapServers;
        this.host = builder.host;
        this.requestedPort = builder.port;
        this.topicName = builder.topic;
        this.replicationFactor = builder.replicationFactor;
        this.timeout = builder.timeout;
        this.threads = builder.threads;
        this.maxBodyBytes = builder.maxBodyBytes;
        this.maxSchemaLength = builder.maxSchemaLength;
        this.idleTimeout = builder.idleTimeout;
        this.bodyTimeout = builder.bodyTimeout;
        this.maxConnections = builder.maxConnections;
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
            server = server(new RegistryHttpHandler(store, json, maxBodyBytes, maxSchemaLength, bodyTimeout));
            server.start();
            log.info("Schema registry on {} ({} records replayed from {}) ready in {} ms", url(), records, topicName,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("Cannot bind the schema registry to " + host + ":" + requestedPort, e);
        } catch (RuntimeException e) {
            close();
            throw e;
        } catch (Exception e) {
            close();
            throw new IllegalStateException("Cannot start the schema registry's HTTP server", e);
        }
        return this;
    }

    private Server server(RegistryHttpHandler handler) {
        // Jetty's acceptor and selector run on this pool too: two threads more than the workers.
        QueuedThreadPool pool = new QueuedThreadPool(threads + 2, Math.min(threads + 2, 4));
        pool.setName("schema-registry-http");
        pool.setDaemon(true);
        pool.setReservedThreads(0);
        Server jetty = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(8 * 1024);
        http.setSendServerVersion(false);
        // Subjects may contain '/', sent encoded as %2F (Confluent's clients do): not an ambiguity here,
        // the handler decodes the path segment by segment.
        http.setUriCompliance(UriCompliance.DEFAULT.with("registry", UriCompliance.Violation.AMBIGUOUS_PATH_SEPARATOR,
                UriCompliance.Violation.AMBIGUOUS_PATH_ENCODING));
        connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(requestedPort);
        connector.setIdleTimeout(idleTimeout.toMillis());
        connector.setAcceptedTcpNoDelay(true); // else ~40 ms per response waiting for the client's delayed ACK
        jetty.addConnector(connector);
        jetty.addBean(new NetworkConnectionLimit(maxConnections, connector));
        jetty.setErrorHandler(new RegistryErrorHandler());
        jetty.setHandler(handler);
        return jetty;
    }

    /** {@code http://<host>:<port>} (127.0.0.1 when bound to every interface). */
    public String url() {
        return "http://" + (host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host) + ":" + port();
    }

    public int port() {
        if (server == null) {
            throw new IllegalStateException("EmbeddedSchemaRegistry not started");
        }
        return connector.getLocalPort();
    }

    /** Stops serving, waits for requests in flight, closes the Kafka producer; safe to call twice. */
    @Override
    public synchronized void close() {
        if (server != null) {
            try {
                server.stop(); // waits for the workers (bounded by the pool's stop timeout), then interrupts them
            } catch (Exception e) {
                log.warn("Schema registry HTTP server did not stop cleanly", e);
            }
            server = null;
        }
        if (topic != null) {
            topic.close();
            topic = null;
        }
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
        private int maxBodyBytes = 1024 * 1024;
        private int maxSchemaLength = 256 * 1024;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration bodyTimeout = Duration.ofSeconds(10);
        private int maxConnections = 256;

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

        /** HTTP worker threads (default 4); bodies are read without one. */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Largest request body (default 1 MiB); larger is refused with 413 before it is read. */
        public Builder maxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** Longest schema, in characters (default 256 Ki); longer is refused with 422 (42209). */
        public Builder maxSchemaLength(int maxSchemaLength) {
            this.maxSchemaLength = maxSchemaLength;
            return this;
        }

        /** A connection idle this long is closed (default 30 s); a body must arrive within {@code body} (default 10 s). */
        public Builder timeouts(Duration idle, Duration body) {
            this.idleTimeout = Objects.requireNonNull(idle);
            this.bodyTimeout = Objects.requireNonNull(body);
            return this;
        }

        /** Open connections at most (default 256); more wait in the accept queue. */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        public EmbeddedSchemaRegistry build() {
            return new EmbeddedSchemaRegistry(this);
        }
    }
}
