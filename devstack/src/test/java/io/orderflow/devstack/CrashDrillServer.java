package io.orderflow.devstack;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CountDownLatch;

/**
 * The child JVM of {@link PostgresCrashRecoveryIT}: starts a {@link LocalPostgres} on a data directory
 * and port, then commits rows one by one (auto-commit) and prints {@code ACK <id>} after each commit
 * returned, i.e. once the row is acknowledged. With a row count it prints {@code DONE} and waits to
 * be killed; with -1 it writes until killed.
 *
 * <p>Arguments: {@code <dataDir> <port> <rows or -1>}.
 */
public final class CrashDrillServer {

    private CrashDrillServer() {
    }

    public static void main(String[] args) throws Exception {
        LocalPostgres postgres = LocalPostgres.builder().dataDir(Path.of(args[0])).port(Integer.parseInt(args[1])).build().start();
        long rows = Long.parseLong(args[2]);
        try (Connection c = DriverManager.getConnection(postgres.superuserUrl())) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS acked (id BIGINT PRIMARY KEY)");
            }
            long first = 1;
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(id), 0) FROM acked")) {
                rs.next();
                first = rs.getLong(1) + 1;
            }
            System.out.println("STARTED");
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO acked (id) VALUES (?)")) {
                for (long id = first; rows < 0 || id < first + rows; id++) {
                    insert.setLong(1, id);
                    insert.executeUpdate();
                    System.out.println("ACK " + id);
                }
            }
        }
        System.out.println("DONE");
        new CountDownLatch(1).await(); // until killed
    }
}
