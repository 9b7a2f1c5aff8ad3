package io.orderflow.platform.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's own PostgreSQL database: a connection pool, its migrations (platform's outbox and
 * inbox tables, then the service's) and transactions. Every transaction is durable when
 * {@link #inTransaction} returns: the outbox, the inbox and committing Kafka offsets after the
 * database commit all rest on that.
 */
public final class Database implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Database.class);

    /** Actions to run once the transaction of the current thread has committed. */
    private static final ThreadLocal<List<Runnable>> AFTER_COMMIT = new ThreadLocal<>();

    private final HikariDataSource dataSource;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Opens the pool and migrates the schema: {@code classpath:db/platform} first, then
     * {@code classpath:db/<serviceName>}.
     */
    public static Database open(String serviceName, String url, String user, String password, int poolSize) {
        return open(serviceName, url, user, password, poolSize, null);
    }

    /** As above, with the pool's figures (waits for a connection, usage, timeouts) in {@code metrics} when not null. */
    public static Database open(String serviceName, String url, String user, String password, int poolSize,
                                MeterRegistry metrics) {
        HikariConfig config = new HikariConfig();
        if (metrics != null) {
            config.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(metrics));
        }
        config.setPoolName(serviceName + "-db");
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setAutoCommit(false);
        // A commit returns only once its WAL is flushed, whatever the server's or database's default:
        // an acknowledged event must survive a crash of PostgreSQL (the server-wide fsync and
        // full_page_writes must be on too; LocalPostgres and compose's PostgreSQL have them on).
        config.addDataSourceProperty("options", "-c synchronous_commit=on");
        // A JDBC batch of INSERTs goes as multi-row statements: fewer round trips, same result.
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        // Names the service in pg_stat_activity and the server's logs.
        config.addDataSourceProperty("ApplicationName", serviceName);
        // Fail fast when the database is down: POST /orders then answers 503 within a second instead of
        // hanging. With 3 s, each request held an HTTP worker that long, the workers ran out and requests
        // queued for 10 s (fault matrix, db-down). A 16-connection pool that has none free for 500 ms is
        // overloaded: shedding with 503 is right; consumers and the relay treat it as transient and retry.
        config.setConnectionTimeout(500);
        config.setInitializationFailTimeout(30_000);
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            List<String> locations = new ArrayList<>(List.of("classpath:db/platform", "classpath:db/" + serviceName));
            var result = Flyway.configure()
                    .dataSource(dataSource)
                    .locations(locations.toArray(String[]::new))
                    // Platform's migrations (0.x) and the service's (1+) share one history: a platform
                    // table added later (0.2) must still apply to a database the service already took to 1+.
                    .outOfOrder(true)
                    .load()
                    .migrate();
            log.info("{} database ready at {} ({} migrations applied)", serviceName, redact(url), result.migrationsExecuted);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
        return new Database(dataSource);
    }

    /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
    public <T> T inTransaction(SqlWork<T> work) throws Exception {
        return committing(connection -> {
            T result;
            try {
                result = work.run(connection);
                connection.commit();
            } catch (Exception | Error e) {
                rollbackQuietly(connection, e);
                throw e;
            }
            return result;
        });
    }

    /**
     * Runs {@code work} whose writes are ONE statement (e.g. data-modifying CTEs) that commits by itself
     * (auto-commit): one round trip, where {@link #inTransaction} needs two (the statement, then COMMIT). Durable
     * when it returns, like {@link #inTransaction}, and {@link #afterCommit} actions run once it has committed.
     * Each further statement of {@code work} would be a transaction of its own: use it for one statement only.
     */
    public <T> T inOneStatement(SqlWork<T> work) throws Exception {
        return committing(connection -> {
            connection.setAutoCommit(true);
            T result;
            try {
                result = work.run(connection);
            } catch (Exception | Error e) {
                // The pool resets it too; a broken connection must not hide why the statement failed.
                try {
                    connection.setAutoCommit(false);
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
            connection.setAutoCommit(false);
            return result;
        });
    }

    /**
     * Runs {@code commitOn} on a pooled connection; it commits (or throws). The {@link #afterCommit} actions it
     * registered run once it returned, the caller's own (an enclosing call's) are kept apart and restored after.
     */
    private <T> T committing(SqlWork<T> commitOn) throws Exception {
        List<Runnable> outer = AFTER_COMMIT.get();
        List<Runnable> afterCommit = new ArrayList<>();
        AFTER_COMMIT.set(afterCommit);
        try (Connection connection = dataSource.getConnection()) {
            T result = commitOn.run(connection);
            afterCommit.forEach(Runnable::run);
            return result;
        } finally {
            if (outer == null) {
                AFTER_COMMIT.remove();
            } else {
                AFTER_COMMIT.set(outer);
            }
        }
    }

    /**
     * Runs {@code action} when the transaction of the calling thread has committed (not at all if it
     * rolls back), or at once outside {@link #inTransaction}. E.g. wake the outbox relay only when
     * there is a committed row for it to see.
     */
    public static void afterCommit(Runnable action) {
        List<Runnable> pending = AFTER_COMMIT.get();
        if (pending == null) {
            action.run();
        } else {
            pending.add(action);
        }
    }

    /** Runs read-only work outside a transaction of its own making (auto-commit stays off; it is rolled back). */
    public <T> T read(SqlWork<T> work) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            try {
                return work.run(connection);
            } finally {
                connection.rollback();
            }
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** Whether a connection can be had now (readiness). */
    public boolean isUp() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
