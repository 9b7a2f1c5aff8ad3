package io.orderflow.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.orderflow.platform.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The pool's connections on a real PostgreSQL: what every transaction of a service runs with. */
class DatabaseTest {

    @Test
    void commitsWaitForTheWalFlushEvenWhereTheDatabaseDefaultDoesNot() throws Exception {
        try (TestDatabase t = TestDatabase.create("db-test")) {
            // An operator (or a tuned server) made asynchronous commit the default: a crash of PostgreSQL
            // would then lose commits the services already acknowledged, and the offsets they committed.
            try (Connection admin = DriverManager.getConnection(TestDatabase.postgresAdminUrl());
                 Statement s = admin.createStatement()) {
                s.execute("ALTER DATABASE " + t.name() + " SET synchronous_commit = off");
            }
            try (Database db = Database.open("db-test", t.url(), t.user(), t.password(), 2)) {
                String synchronousCommit = db.read(c -> show(c, "synchronous_commit"));
                String applicationName = db.read(c -> show(c, "application_name"));
                boolean autoCommit = db.read(Connection::getAutoCommit);
                assertThat(synchronousCommit).isEqualTo("on");
                assertThat(applicationName).isEqualTo("db-test");
                assertThat(autoCommit).isFalse();
            }
        }
    }

    @Test
    void aDatabaseThatStopsTakingConnectionsFailsEachCallWithinASecond() throws Exception {
        // Checkout answers 503 when its database is down; a caller (and an HTTP worker) must not wait
        // seconds for that answer, or the workers pile up and every request hangs (fault matrix, db-down).
        try (TestDatabase t = TestDatabase.create("db-down-test")) {
            try (Database db = Database.open("db-down-test", t.url(), t.user(), t.password(), 2);
                 Connection admin = DriverManager.getConnection(TestDatabase.postgresAdminUrl());
                 Statement s = admin.createStatement()) {
                boolean valid = db.read(c -> c.isValid(1));
                assertThat(valid).isTrue();
                // As when the server goes away: its sessions end and no new one is accepted.
                s.execute("ALTER DATABASE " + t.name() + " WITH ALLOW_CONNECTIONS false");
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + t.name() + "'");
                try {
                    long slowest = 0;
                    for (int i = 0; i < 4; i++) {
                        long t0 = System.nanoTime();
                        assertThatThrownBy(() -> db.inTransaction(c -> {
                            try (Statement q = c.createStatement()) {
                                return q.execute("SELECT 1");
                            }
                        })).isInstanceOf(java.sql.SQLException.class);
                        slowest = Math.max(slowest, (System.nanoTime() - t0) / 1_000_000);
                    }
                    assertThat(slowest).as("slowest failed call, ms").isLessThan(1_000);
                } finally {
                    s.execute("ALTER DATABASE " + t.name() + " WITH ALLOW_CONNECTIONS true");
                }
            }
        }
    }

    @Test
    void oneStatementCommitsByItselfRunsAfterCommitActionsAndLeavesThePoolInTransactionMode() throws Exception {
        try (TestDatabase t = TestDatabase.create("db-one-statement-test");
             Database db = Database.open("db-one-statement-test", t.url(), t.user(), t.password(), 2)) {
            db.inTransaction(c -> {
                try (Statement s = c.createStatement()) {
                    return s.execute("CREATE TABLE t (v INT PRIMARY KEY)");
                }
            });
            java.util.List<String> ran = new java.util.ArrayList<>();

            db.inOneStatement(c -> {
                Database.afterCommit(() -> ran.add("after"));
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("WITH a AS (INSERT INTO t VALUES (1)) INSERT INTO t VALUES (2)");
                }
            });
            assertThatThrownBy(() -> db.inOneStatement(c -> {
                Database.afterCommit(() -> ran.add("never"));
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("WITH a AS (INSERT INTO t VALUES (3)) INSERT INTO t VALUES (1)");
                }
            })).isInstanceOf(java.sql.SQLException.class);

            // Committed without a COMMIT (seen by another session), the failed statement wrote nothing.
            try (Connection other = DriverManager.getConnection(t.url(), t.user(), t.password());
                 Statement s = other.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(2);
            }
            assertThat(ran).containsExactly("after");
            // The pooled connections are back to explicit transactions.
            boolean autoCommit = db.read(Connection::getAutoCommit);
            assertThat(autoCommit).isFalse();
        }
    }

    private static String show(Connection c, String setting) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
