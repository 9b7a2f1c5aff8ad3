package io.orderflow.platform.testing;

import io.orderflow.devstack.LocalPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL server the tests of this JVM run on: the one {@code ORDERFLOW_TEST_PG_URL} names
 * (or {@code -Dorderflow.test.pgUrl}), else one embedded {@link LocalPostgres}, started on first use
 * on a free port and a temporary directory, stopped and deleted when the JVM exits.
 *
 * <p>A test JVM killed with SIGKILL cannot stop its server: the next test JVM finds such directories
 * (their owner lock is free) and stops and deletes them, so orphans do not pile up.
 */
final class TestPostgres {

    private static final Logger log = LoggerFactory.getLogger(TestPostgres.class);

    static final String PG_URL_VARIABLE = "ORDERFLOW_TEST_PG_URL";
    private static final String PG_URL_PROPERTY = "orderflow.test.pgUrl";
    private static final String DIR_PREFIX = "orderflow-test-pg-";
    private static final String OWNER_LOCK = "owner.lock";
    /** Younger directories may be another JVM's, between creating the directory and locking it. */
    private static final Duration ABANDONED_AFTER = Duration.ofMinutes(1);

    private static String superuserUrl;

    private TestPostgres() {
    }

    /** A superuser's JDBC URL (user, and password if any, in the query string). */
    static synchronized String superuserUrl() {
        if (superuserUrl == null) {
            String configured = System.getenv(PG_URL_VARIABLE);
            if (configured == null || configured.isBlank()) {
                configured = System.getProperty(PG_URL_PROPERTY);
            }
            superuserUrl = configured != null && !configured.isBlank() ? configured : startEmbedded();
        }
        return superuserUrl;
    }

    private static String startEmbedded() {
        try {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            reapAbandoned(tmp);
            Path dir = Files.createTempDirectory(tmp, DIR_PREFIX);
            // Held until the JVM exits: tells other test JVMs this directory is in use.
            FileChannel ownerChannel = FileChannel.open(dir.resolve(OWNER_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock owner = ownerChannel.lock();
            LocalPostgres postgres = LocalPostgres.builder().dataDir(dir.resolve("postgres")).build().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                    owner.release();
                    ownerChannel.close();
                } catch (IOException | RuntimeException e) {
                    log.warn("Could not stop the test PostgreSQL in {}", dir, e);
                }
                deleteTree(dir);
            }, "test-postgres-stop"));
            log.info("Tests run on an embedded PostgreSQL at {} (set {} to use another server)",
                    postgres.superuserUrl(), PG_URL_VARIABLE);
            return postgres.superuserUrl();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded PostgreSQL for tests", e);
        }
    }

    /** Stops the servers of test JVMs that died without stopping them, and deletes their directories. */
    private static void reapAbandoned(Path tmp) throws IOException {
        try (Stream<Path> dirs = Files.list(tmp)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(DIR_PREFIX)).toList()) {
                if (isAbandoned(dir)) {
                    log.info("Removing {}, left by a test JVM that did not exit cleanly", dir);
                    try {
                        LocalPostgres.stopAbandoned(dir.resolve("postgres"));
                        deleteTree(dir);
                    } catch (RuntimeException e) {
                        log.warn("Could not clean up {}; leaving it", dir, e);
                    }
                }
            }
        }
    }

    private static boolean isAbandoned(Path dir) {
        try {
            if (Files.getLastModifiedTime(dir).toInstant().isAfter(Instant.now().minus(ABANDONED_AFTER))) {
                return false;
            }
            Path lockFile = dir.resolve(OWNER_LOCK);
            if (!Files.exists(lockFile)) {
                return true;
            }
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE); FileLock lock = channel.tryLock()) {
                return lock != null;
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Leaving {} alone", dir, e);
            return false;
        }
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.warn("Could not delete {}", root, e);
        }
    }
}
