package io.orderflow.platform.testing;

import io.orderflow.devstack.PostgresDatabases;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.UUID;

/**
 * A throw-away PostgreSQL database for a test: created with a login role of its own that owns it
 * (as a service's database in production), dropped with its role by {@link #close()}. It lives on the
 * tests' server ({@link TestPostgres}): the one {@code ORDERFLOW_TEST_PG_URL} names (e.g.
 * {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}), else an embedded one per JVM.
 */
public final class TestDatabase implements AutoCloseable {

    public static final String PG_URL_VARIABLE = TestPostgres.PG_URL_VARIABLE;
    /** The only kind: every database test runs on PostgreSQL. */
    public static final String POSTGRESQL = "postgresql";

    private final String superuserUrl;
    private final String name;
    private final String password;

    private TestDatabase(String superuserUrl, String name, String password) {
        this.superuserUrl = superuserUrl;
        this.name = name;
        this.password = password;
    }

    /** {@code ["postgresql"]}: what DB-backed tests are parameterized over. */
    public static List<String> kinds() {
        return List.of(POSTGRESQL);
    }

    /** The superuser URL of the tests' server (starting the embedded one if it is the one). */
    public static String postgresAdminUrl() {
        return TestPostgres.superuserUrl();
    }

    /** A fresh database for {@code serviceName}'s tests. */
    public static TestDatabase create(String serviceName) throws Exception {
        return create(POSTGRESQL, serviceName);
    }

    /** A fresh database of {@code kind} (only {@code "postgresql"}) for {@code serviceName}'s tests. */
    public static TestDatabase create(String kind, String serviceName) throws Exception {
        if (!POSTGRESQL.equals(kind)) {
            throw new IllegalArgumentException("No test database of kind " + kind + "; the only kind is " + POSTGRESQL);
        }
        String superuser = postgresAdminUrl();
        // Database and role share the name; the service name is in the Hikari pool, not needed here.
        String name = "orderflow_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        String password = UUID.randomUUID().toString();
        try (Connection c = DriverManager.getConnection(superuser)) {
            PostgresDatabases.ensure(c, name, name, password);
        }
        return new TestDatabase(superuser, name, password);
    }

    /**
     * JDBC URL of the database, with its role and password in the query string as well (so callers
     * that pass no password still connect); the server URL's other parameters (sslmode, ...) are kept.
     */
    public String url() {
        int query = superuserUrl.indexOf('?');
        String server = (query < 0 ? superuserUrl : superuserUrl.substring(0, query)).replaceFirst("/[^/]*$", "/" + name);
        StringBuilder url = new StringBuilder(server).append("?user=").append(name).append("&password=").append(password);
        if (query >= 0) {
            for (String parameter : superuserUrl.substring(query + 1).split("&")) {
                if (!parameter.isEmpty() && !parameter.startsWith("user=") && !parameter.startsWith("password=")) {
                    url.append('&').append(parameter);
                }
            }
        }
        return url.toString();
    }

    /** The database's own role (its owner). */
    public String user() {
        return name;
    }

    public String password() {
        return password;
    }

    /** The database's name (also its role's). */
    public String name() {
        return name;
    }

    /** Drops the database, closing any session still on it, then its role. */
    @Override
    public void close() {
        try (Connection c = DriverManager.getConnection(superuserUrl)) {
            PostgresDatabases.drop(c, name, name);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot drop test database " + name, e);
        }
    }
}
