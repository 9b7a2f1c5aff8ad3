package io.orderflow.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiConsumer;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The infrastructure of the flow in one process, for the all-in-one launcher and for tests:
 * PostgreSQL ({@link LocalPostgres}, when asked for), Kafka, then the registry on it; closed in
 * reverse order.
 *
 * <pre>{@code
 * try (DevStack stack = DevStack.startForTests()) {       // Kafka + registry: temp dir, free ports, deleted on close
 *     stack.bootstrapServers(); stack.schemaRegistryUrl();
 * }
 * DevStack.start(Path.of(".orderflow"), 9092, 8081, 54329); // the launcher's defaults, PostgreSQL included
 * }</pre>
 */
public final class DevStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DevStack.class);

    public static final Path DEFAULT_DATA_DIR = Paths.get(".orderflow");
    public static final int DEFAULT_KAFKA_PORT = 9092;
    public static final int DEFAULT_SCHEMA_REGISTRY_PORT = 8081;
    public static final int DEFAULT_POSTGRES_PORT = LocalPostgres.DEFAULT_PORT;

    private final LocalPostgres postgres;
    private final EmbeddedKafka kafka;
    private final EmbeddedSchemaRegistry registry;
    private final Path deleteOnClose;

    private DevStack(LocalPostgres postgres, EmbeddedKafka kafka, EmbeddedSchemaRegistry registry, Path deleteOnClose) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.registry = registry;
        this.deleteOnClose = deleteOnClose;
    }

    /**
     * Starts PostgreSQL (data in {@code dataDir/postgres}, on {@code postgresPort}), Kafka (data under
     * {@code dataDir/kafka}, broker on {@code kafkaPort}, controller on a free port) and the registry on
     * {@code schemaRegistryPort}; 0 picks a free port. Data survive a restart on the same directory.
     */
    public static DevStack start(Path dataDir, int kafkaPort, int schemaRegistryPort, int postgresPort) {
        return start(dataDir, kafkaPort, schemaRegistryPort, postgresPort, (component, address) -> { });
    }

    /**
     * As {@link #start(Path, int, int, int)}, telling {@code onReady} as soon as each component answers:
     * ("postgres", "127.0.0.1:54329"), ("kafka", bootstrap servers), ("schema-registry", its URL).
     */
    public static DevStack start(Path dataDir, int kafkaPort, int schemaRegistryPort, int postgresPort,
                                 BiConsumer<String, String> onReady) {
        return start(dataDir, kafkaPort, schemaRegistryPort, OptionalInt.of(postgresPort), null, onReady);
    }

    /**
     * Kafka and the registry on a new temporary directory and free ports; the directory is deleted on
     * close. No PostgreSQL: tests share one server per JVM (platform's test kit).
     */
    public static DevStack startForTests() {
        return startTemporary(OptionalInt.empty());
    }

    /** As {@link #startForTests()}, plus a PostgreSQL of its own (free port), e.g. to stop and start it in a test. */
    public static DevStack startForTestsWithPostgres() {
        return startTemporary(OptionalInt.of(0));
    }

    private static DevStack startTemporary(OptionalInt postgresPort) {
        try {
            Path dir = Files.createTempDirectory("orderflow-devstack-");
            return start(dir, 0, 0, postgresPort, dir, (component, address) -> { });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory", e);
        }
    }

    private static DevStack start(Path dataDir, int kafkaPort, int schemaRegistryPort, OptionalInt postgresPort,
                                  Path deleteOnClose, BiConsumer<String, String> onReady) {
        LocalPostgres postgres = postgresPort.isPresent()
                ? LocalPostgres.builder().dataDir(dataDir.resolve("postgres")).port(postgresPort.getAsInt()).build()
                : null;
        EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir.resolve("kafka")).brokerPort(kafkaPort).build();
        EmbeddedSchemaRegistry registry = null;
        try {
            if (postgres != null) {
                postgres.start();
                onReady.accept("postgres", "127.0.0.1:" + postgres.port());
            }
            kafka.start();
            onReady.accept("kafka", kafka.bootstrapServers());
            registry = EmbeddedSchemaRegistry.builder(kafka.bootstrapServers()).port(schemaRegistryPort).build().start();
            onReady.accept("schema-registry", registry.url());
            return new DevStack(postgres, kafka, registry, deleteOnClose);
        } catch (RuntimeException e) {
            new DevStack(postgres, kafka, registry, deleteOnClose).close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String schemaRegistryUrl() {
        return registry.url();
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedSchemaRegistry schemaRegistry() {
        return registry;
    }

    /** The stack's PostgreSQL server; absent for {@link #startForTests()}. */
    public Optional<LocalPostgres> postgres() {
        return Optional.ofNullable(postgres);
    }

    @Override
    public void close() {
        try {
            if (registry != null) {
                registry.close();
            }
        } finally {
            try {
                kafka.close();
            } finally {
                try {
                    if (postgres != null) {
                        postgres.close();
                    }
                } finally {
                    if (deleteOnClose != null) {
                        deleteRecursively(deleteOnClose);
                    }
                }
            }
        }
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete {}", root, e);
        }
    }

    /** Runs PostgreSQL on 54329, Kafka on 9092 and the registry on 8081 with data in ./.orderflow until the JVM is stopped. */
    public static void main(String[] args) throws InterruptedException {
        Path dir = args.length > 0 ? Paths.get(args[0]) : DEFAULT_DATA_DIR;
        DevStack stack = start(dir, DEFAULT_KAFKA_PORT, DEFAULT_SCHEMA_REGISTRY_PORT, DEFAULT_POSTGRES_PORT);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "devstack-shutdown"));
        log.info("PostgreSQL on 127.0.0.1:{}, Kafka on {}, Schema Registry on {}; Ctrl-C stops",
                stack.postgres.port(), stack.bootstrapServers(), stack.schemaRegistryUrl());
        stopped.await();
    }
}
