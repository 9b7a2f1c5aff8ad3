package io.orderflow.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka and the Schema Registry together, for the all-in-one launcher and for tests: starts the
 * broker, then the registry on it; closes them in reverse order.
 *
 * <pre>{@code
 * try (DevStack stack = DevStack.startForTests()) {       // temp dir, free ports, deleted on close
 *     stack.bootstrapServers(); stack.schemaRegistryUrl();
 * }
 * DevStack.start(Path.of(".orderflow"), 9092, 8081);      // the launcher's defaults
 * }</pre>
 */
public final class DevStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DevStack.class);

    public static final Path DEFAULT_DATA_DIR = Paths.get(".orderflow");
    public static final int DEFAULT_KAFKA_PORT = 9092;
    public static final int DEFAULT_SCHEMA_REGISTRY_PORT = 8081;

    private final EmbeddedKafka kafka;
    private final EmbeddedSchemaRegistry registry;
    private final Path deleteOnClose;

    private DevStack(EmbeddedKafka kafka, EmbeddedSchemaRegistry registry, Path deleteOnClose) {
        this.kafka = kafka;
        this.registry = registry;
        this.deleteOnClose = deleteOnClose;
    }

    /**
     * Starts Kafka (data under {@code dataDir/kafka}, broker on {@code kafkaPort}, controller on a free
     * port) and the registry on {@code schemaRegistryPort}; 0 picks a free port. Data survive a
     * restart on the same directory.
     */
    public static DevStack start(Path dataDir, int kafkaPort, int schemaRegistryPort) {
        return start(dataDir, kafkaPort, schemaRegistryPort, null);
    }

    /** A fresh stack on a new temporary directory and free ports; the directory is deleted on close. */
    public static DevStack startForTests() {
        try {
            Path dir = Files.createTempDirectory("orderflow-devstack-");
            return start(dir, 0, 0, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a temporary directory", e);
        }
    }

    private static DevStack start(Path dataDir, int kafkaPort, int schemaRegistryPort, Path deleteOnClose) {
        EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dataDir.resolve("kafka")).brokerPort(kafkaPort).build();
        EmbeddedSchemaRegistry registry = null;
        try {
            kafka.start();
            registry = EmbeddedSchemaRegistry.builder(kafka.bootstrapServers()).port(schemaRegistryPort).build().start();
            return new DevStack(kafka, registry, deleteOnClose);
        } catch (RuntimeException e) {
            new DevStack(kafka, registry, deleteOnClose).close();
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
                if (deleteOnClose != null) {
                    deleteRecursively(deleteOnClose);
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

    /** Runs Kafka on 9092 and the registry on 8081 with data in ./.orderflow until the JVM is stopped. */
    public static void main(String[] args) throws InterruptedException {
        Path dir = args.length > 0 ? Paths.get(args[0]) : DEFAULT_DATA_DIR;
        DevStack stack = start(dir, DEFAULT_KAFKA_PORT, DEFAULT_SCHEMA_REGISTRY_PORT);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stack.close();
            stopped.countDown();
        }, "devstack-shutdown"));
        log.info("Kafka on {}, Schema Registry on {}; Ctrl-C stops", stack.bootstrapServers(), stack.schemaRegistryUrl());
        stopped.await();
    }
}
