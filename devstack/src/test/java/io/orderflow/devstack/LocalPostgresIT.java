package io.orderflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The local server's settings, databases and lifecycle, on a real PostgreSQL. */
class LocalPostgresIT {

    private Path dir;

    @BeforeEach
    void createDirectory() throws Exception {
        dir = Files.createTempDirectory("orderflow-pg-");
    }

    @AfterEach
    void deleteDirectory() {
        DevStack.deleteRecursively(dir);
    }

    @Test
    void runsDurableAndKeepsDataAcrossStopAndStartOnTheSamePort() throws Exception {
        try (LocalPostgres postgres = LocalPostgres.builder().dataDir(dir.resolve("postgres")).build().start()) {
            assertThat(query(postgres.superuserUrl(), "SELECT current_setting('fsync'), current_setting('synchronous_commit'),"
                    + " current_setting('full_page_writes'), current_setting('listen_addresses'),"
                    + " current_setting('unix_socket_directories'), current_setting('max_connections'),"
                    + " current_setting('logging_collector')"))
                    .containsExactly("on", "on", "on", "127.0.0.1", "", "200", "on");

            postgres.ensureDatabase("orders", "orders", "orders");
            postgres.ensureDatabase("orders", "orders", "orders");   // idempotent
            postgres.ensureDatabase("coupons", "coupons", "coupons");
            String orders = postgres.jdbcUrl("orders") + "?user=orders&password=orders";
            execute(orders, "CREATE TABLE t (id INT PRIMARY KEY)", "INSERT INTO t VALUES (1)");
            assertThat(query(postgres.superuserUrl(),
                    "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'orders'")).containsExactly("orders");
            // Database per service: a service's role cannot even connect to another service's database.
            assertThatThrownBy(() -> query(postgres.jdbcUrl("coupons") + "?user=orders", "SELECT 1"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
            int port = postgres.port();

            postgres.stop();
            assertThat(postgres.isRunning()).isFalse();
            assertThatThrownBy(() -> query(orders, "SELECT 1")).isInstanceOf(SQLException.class);

            postgres.start();
            assertThat(postgres.port()).isEqualTo(port);
            assertThat(query(orders, "SELECT COUNT(*) FROM t")).containsExactly("1");
        }
        assertThat(Files.list(dir.resolve("postgres").resolve("log"))).as("server logs in $PGDATA/log").isNotEmpty();
    }

    @Test
    void refusesAtOnceToRunOnAPortThatAnotherServerHolds() {
        try (LocalPostgres first = LocalPostgres.builder().dataDir(dir.resolve("first")).build().start()) {
            LocalPostgres second = LocalPostgres.builder().dataDir(dir.resolve("second")).port(first.port()).build();
            assertThatThrownBy(second::start).hasMessageContaining("Port " + first.port() + " on 127.0.0.1 is in use");
            assertThat(second.isRunning()).isFalse();
        }
    }

    @Test
    void oneServerPerDataDirectoryInAProcess() {
        try (LocalPostgres first = LocalPostgres.builder().dataDir(dir.resolve("postgres")).build().start()) {
            assertThatThrownBy(() -> LocalPostgres.builder().dataDir(dir.resolve("postgres")).build().start())
                    .hasMessageContaining("already runs in this process");
            assertThat(first.isRunning()).isTrue();
        }
    }

    @Test
    void aDataDirectoryWhoseInitWasInterruptedIsSetAsideAndInitializedAnew() throws Exception {
        // initdb killed half-way: files, but no complete cluster. initdb refuses a non-empty directory.
        Path data = dir.resolve("postgres");
        Files.createDirectories(data.resolve("global"));
        Files.writeString(data.resolve("PG_VERSION"), "17\n");
        Files.writeString(data.resolve("postgresql.conf"), "# half-written\n");

        try (LocalPostgres postgres = LocalPostgres.builder().dataDir(data).build().start()) {
            assertThat(query(postgres.superuserUrl(), "SELECT 1")).containsExactly("1");
        }
        try (var siblings = Files.list(dir)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("postgres.incomplete-"));
        }
    }

    @Test
    void namesAreCheckedBeforeTheyReachSql() {
        assertThatThrownBy(() -> PostgresDatabases.checkIdentifier("orders; DROP DATABASE x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PostgresDatabases.checkIdentifier("Orders")).isInstanceOf(IllegalArgumentException.class);
        assertThat(PostgresDatabases.checkIdentifier("order_1")).isEqualTo("order_1");
    }

    private static List<String> query(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            List<String> row = new java.util.ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                row.add(rs.getString(i));
            }
            return row;
        }
    }

    private static void execute(String url, String... sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }
}
