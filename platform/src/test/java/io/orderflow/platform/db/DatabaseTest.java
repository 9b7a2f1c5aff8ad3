package io.orderflow.platform.db;

import static org.assertj.core.api.Assertions.assertThat;

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

    private static String show(Connection c, String setting) throws Exception {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
