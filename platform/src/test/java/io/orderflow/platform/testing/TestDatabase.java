package io.orderflow.platform.testing;

import io.orderflow.platform.config.ServiceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A throw-away database for a test: H2 in a temp directory always, and a fresh PostgreSQL database
 * when {@code ORDERFLOW_TEST_PG_URL} (e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres})
 * is set. Parameterize DB-backed tests over {@link #kinds()} so both dialects run the same test.
 */
public final class TestDatabase implements AutoCloseable {

    public static final String PG_URL_VARIABLE = "ORDERFLOW_TEST_PG_URL";

    private final String url;
    private final Runnable cleanup;

    private TestDatabase(String url, Runnable cleanup) {
        this.url = url;
        this.cleanup = cleanup;
    }

    /** "h2", plus "postgresql" when a PostgreSQL server is configured for tests. */
    public static List<String> kinds() {
        List<String> kinds = new ArrayList<>(List.of("h2"));
        if (postgresAdminUrl() != null) {
            kinds.add("postgresql");
        }
        return kinds;
    }

    public static String postgresAdminUrl() {
        String url = System.getenv(PG_URL_VARIABLE);
        return url == null || url.isBlank() ? System.getProperty("orderflow.test.pgUrl") : url;
    }

    public static TestDatabase create(String kind, String serviceName) throws Exception {
        if (kind.equals("h2")) {
            Path dir = Files.createTempDirectory("orderflow-h2-");
            return new TestDatabase(ServiceConfig.defaultH2Url(dir.toString(), serviceName), () -> deleteTree(dir));
        }
        String admin = postgresAdminUrl();
        if (!kind.equals("postgresql") || admin == null) {
            throw new IllegalArgumentException("No test database of kind " + kind);
        }
        String name = "orderflow_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        execute(admin, "CREATE DATABASE " + name);
        String url = admin.replaceFirst("(jdbc:postgresql://[^/]+/)[^?]*", "$1" + name);
        return new TestDatabase(url, () -> {
            try {
                execute(admin, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (Exception e) {
                throw new IllegalStateException("Cannot drop test database " + name, e);
            }
        });
    }

    /** JDBC URL; the PostgreSQL one carries its user in the query string, so user and password may be empty. */
    public String url() {
        return url;
    }

    public String user() {
        return url.startsWith("jdbc:h2:") ? "sa" : "";
    }

    @Override
    public void close() {
        cleanup.run();
    }

    private static void execute(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot delete " + dir, e);
        }
    }
}
