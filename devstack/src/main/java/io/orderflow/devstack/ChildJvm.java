package io.orderflow.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A part of OrderFlow (the all-in-one, one service, a broker...) run as a JVM of its own, so a drill
 * can do to it what a crash does: {@link #kill9()} (SIGKILL: no shutdown hook, no flush, no goodbye),
 * {@link #pause()} / {@link #resume()} (SIGSTOP / SIGCONT: a process that hangs), or a clean
 * {@link #stop(Duration)} (SIGTERM). It runs {@code io.orderflow.launcher.Main} (or another main
 * class, e.g. a {@link KafkaNode}) with the given arguments on this JVM's own classpath (the fat jar,
 * or the test classpath), its output appended to a log file.
 */
public final class ChildJvm implements AutoCloseable {

    /** The launcher's {@code Main} (by name: devstack does not depend on the launcher). */
    public static final String LAUNCHER_MAIN = "io.orderflow.launcher.Main";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final String mainClass;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path logFile;
    private Process process;

    private ChildJvm(String name, String mainClass, List<String> command, Map<String, String> environment, Path logFile) {
        this.name = name;
        this.mainClass = mainClass;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.logFile = logFile;
    }

    /**
     * A child running {@code Main} with {@code args}.
     *
     * @param jvmOptions e.g. {@code -Xmx512m}
     * @param environment added to this process's environment
     */
    public static ChildJvm of(String name, List<String> jvmOptions, List<String> args, Map<String, String> environment,
                              Path logFile) {
        return of(name, LAUNCHER_MAIN, jvmOptions, args, environment, logFile);
    }

    /** A child running {@code mainClass} with {@code args}, on this JVM's classpath. */
    public static ChildJvm of(String name, String mainClass, List<String> jvmOptions, List<String> args,
                              Map<String, String> environment, Path logFile) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return new ChildJvm(name, mainClass, command, environment, logFile);
    }

    /** Starts the process (again, after a kill or stop: same command, same environment, same log). */
    public synchronized ChildJvm start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Files.writeString(logFile, "==== " + name + " started: " + String.join(" ", args()) + System.lineSeparator(),
                    StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(environment);
            process = builder.start();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name, e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return requireProcess().pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    /** SIGKILL, then waits until the process is gone. Its own children (e.g. a postmaster) are left as a crash leaves them. */
    public synchronized void kill9() {
        if (isAlive()) {
            process.destroyForcibly();
            awaitExit(Duration.ofSeconds(30));
        }
    }

    /** SIGTERM (shutdown hooks run), waiting up to {@code grace}; SIGKILL after that. */
    public synchronized void stop(Duration grace) {
        if (!isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill9();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill9();
        }
    }

    /** SIGSTOP: the process stays, but does nothing (a GC pause or a hung host, as its peers see it). */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        signal("CONT");
    }

    /**
     * Waits until {@code url} answers 200 (e.g. a service's {@code /health/ready}), failing after
     * {@code timeout} or as soon as the process exits, with the end of its log in the message.
     */
    public void awaitHttpOk(String url, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited (code " + process.exitValue() + ") before " + url
                        + " answered 200; its log ends:\n" + tail(40));
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for " + name, e);
            }
            pauseBriefly();
        }
        throw new IllegalStateException(name + ": " + url + " did not answer 200 within " + timeout + "; its log ends:\n"
                + tail(40));
    }

    /** Waits until a line of the log (since the last start) matches {@code pattern}. */
    public void awaitLogLine(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (linesSinceStart().stream().anyMatch(l -> pattern.matcher(l).find())) {
                return;
            }
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited before logging /" + pattern + "/; its log ends:\n" + tail(40));
            }
            pauseBriefly();
        }
        throw new IllegalStateException(name + " did not log /" + pattern + "/ within " + timeout + "; its log ends:\n" + tail(40));
    }

    /** The last {@code n} lines of the log. */
    public String tail(int n) {
        List<String> lines = linesSinceStart();
        return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    private List<String> linesSinceStart() {
        try {
            if (!Files.exists(logFile)) {
                return List.of();
            }
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            for (int i = all.size() - 1; i >= 0; i--) {
                if (all.get(i).startsWith("==== " + name + " started")) {
                    return all.subList(i, all.size());
                }
            }
            return all;
        } catch (IOException e) {
            return List.of("(cannot read " + logFile + ": " + e + ")");
        }
    }

    private void awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " (pid " + process.pid() + ") did not exit within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Process requireProcess() {
        return Objects.requireNonNull(process, name + " was never started");
    }

    private List<String> args() {
        int main = command.indexOf(mainClass);
        return command.subList(main + 1, command.size());
    }

    private static void pauseBriefly() {
        try {
            Thread.sleep(100); // polling a child process: there is nothing to wait on but time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Kills what is still running: a drill or test never leaves a child behind. */
    @Override
    public void close() {
        kill9();
    }

    @Override
    public String toString() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("pid", process == null ? null : process.pid());
        m.put("alive", isAlive());
        return m.toString();
    }
}
