package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.devstack.ChildJvm;
import io.orderflow.launcher.drill.AfterCrash;
import io.orderflow.launcher.drill.FlowDatabases;
import io.orderflow.launcher.drill.OrderWorkload;
import io.orderflow.platform.crash.CrashPoints;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The all-in-one as a child process, clients placing orders at a steady rate (FLASH100 in the mix), and
 * {@code kill -9} at three exact moments ({@link CrashPoints}): in checkout after the order's commit but
 * before its answer; in the outbox relay after the broker acknowledged a batch but before its rows are
 * deleted; in a consumer after a batch's DB commit but before its offsets. After each kill the same data
 * directory is started again (armed for the next kill), and the orders of the run are checked:
 * none answered 202 is lost, none is stuck, none refused exists, every effect happened exactly once
 * ({@link AfterCrash}: the history, each effect once, the invariants).
 */
class CrashIT {

    /** Each kill: the point and the hit (after the arm file appears) that kills. */
    private record Kill(String name, String point, int hit) {
    }

    private static final List<Kill> KILLS = List.of(
            new Kill("checkout", CrashPoints.CHECKOUT_AFTER_COMMIT, 5),
            new Kill("relay", CrashPoints.OUTBOX_AFTER_SEND, 3),
            new Kill("consumer batch", CrashPoints.CONSUMER_AFTER_DB_COMMIT, 5));
    private static final double RATE = 30;
    /** The saga's step deadline (default) plus the 30 s the issue allows. */
    private static final Duration SETTLE = Duration.ofSeconds(30 + 30);

    private static final Path DIR = Path.of("target", "crash-it", Long.toString(System.currentTimeMillis(), 36))
            .toAbsolutePath();
    /** The test logging, plus what the broker's coordinators do: a drill's post-mortem needs it. */
    static final String LOGBACK = Path.of(resource("logback-crash-drill.xml")).toString();
    private static final Map<String, Integer> PORTS = new HashMap<>();
    private static final List<ChildJvm> CHILDREN = new ArrayList<>();

    @AfterAll
    static void stopWhatIsLeft() throws Exception {
        // SIGTERM: a running all-in-one stops its PostgreSQL; one that was killed left its postmaster behind.
        CHILDREN.forEach(c -> c.stop(Duration.ofSeconds(30)));
        stopOrphanedPostmaster(DIR.resolve("data").resolve("postgres"));
    }

    /** The postmaster a killed all-in-one left running (the next start would stop it; there is none). */
    static void stopOrphanedPostmaster(Path pgData) throws Exception {
        Path pidFile = pgData.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        java.util.Optional<ProcessHandle> postmaster = ProcessHandle.of(pid);
        if (postmaster.isPresent() && postmaster.get().info().command().orElse("").contains("postgres")) {
            postmaster.get().destroy(); // SIGTERM: a smart shutdown, and its clients died with the JVM
            postmaster.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void killNineInCheckoutInTheRelayAndInAConsumerBatchLosesNothingAndDoesNothingTwice() throws Exception {
        for (String name : List.of("KAFKA", "SCHEMA_REGISTRY", "POSTGRES", "ORDER_HTTP", "COUPON_HTTP", "POINTS_HTTP",
                "NOTIFICATION_HTTP")) {
            PORTS.put(name, freePort());
        }
        List<String> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        ChildJvm current = allInOne("armed-0", KILLS.get(0)).start();
        awaitReady(current);
        for (int i = 0; i < KILLS.size(); i++) {
            Kill kill = KILLS.get(i);
            String runId = "crash" + i + "x" + Long.toString(System.nanoTime() % 1_000_000, 36);
            OrderWorkload workload = new OrderWorkload(new OrderWorkload.Settings(orderUrl(), RATE, 10_000,
                    OrderWorkload.Mix.REALISTIC, 200, runId, Duration.ofSeconds(10), 42 + i));
            CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
                try {
                    workload.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });

            // Given orders flowing for a while
            await().atMost(Duration.ofSeconds(60)).until(() -> workload.history().accepted() >= 60);
            // When the crash point is armed, the process kills itself at its moment
            Files.createFile(armFile(i));
            ChildJvm dying = current;
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> !dying.isAlive());
            workload.stop();
            running.get();
            assertThat(dying.tail(200)).contains("CRASH POINT " + kill.point() + ": hit " + kill.hit());

            // Then, started again (armed for the next kill, if any), every order of the run is whole and final
            long restart = System.nanoTime();
            current = allInOne("armed-" + (i + 1), i + 1 < KILLS.size() ? KILLS.get(i + 1) : null).start();
            awaitReady(current);
            long readyMillis = (System.nanoTime() - restart) / 1_000_000;
            try (FlowDatabases dbs = databases()) {
                AfterCrash after = AfterCrash.check(workload.history(), runId, dbs, sendLog(), SETTLE);
                long toFinal = (System.nanoTime() - restart) / 1_000_000;
                workload.history().save(DIR.resolve("history-" + i + ".jsonl"));
                System.out.println("---- kill -9 in " + kill.name() + " (" + kill.point() + ")");
                after.print(System.out);
                rows.add(String.format("| %-15s | %5d | %4d | %5d | %4d | %6d | %5d | %6.1f | %8.1f |", kill.name(),
                        after.history().accepted(), after.history().lost(), after.history().stuck(), after.duplicates(),
                        after.effects().missing(), after.effects().resends(), readyMillis / 1000.0, toFinal / 1000.0));
                boolean ok = after.ok();
                if (!ok) {
                    failures.add(kill.name());
                }
            }
        }
        System.out.println("| kill in         |   202 | lost | stuck |  dup | missed | resent | ready s | →final s |");
        rows.forEach(System.out::println);
        System.out.println("(→final: from the restart until every order of the run was final and its notices sent)");
        assertThat(failures).as("kills after which the checks failed (see the reports above)").isEmpty();
    }

    private static ChildJvm allInOne(String name, Kill armed) {
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", DIR.resolve("data").toString());
        env.put("HTTP_HOST", "127.0.0.1");
        env.put("TOPIC_PARTITIONS", "3");
        env.put("NOTIFICATION_SEND_LOG", sendLog().toString());
        PORTS.forEach((k, port) -> env.put(k + "_PORT", Integer.toString(port)));
        if (armed != null) {
            env.put(CrashPoints.POINT_ENV, armed.point());
            env.put(CrashPoints.AFTER_ENV, Integer.toString(armed.hit()));
            env.put(CrashPoints.ARM_FILE_ENV, armFile(KILLS.indexOf(armed)).toString());
        }
        ChildJvm child = ChildJvm.of("all-in-one " + name, List.of("-Xmx768m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dlogback.configurationFile=" + LOGBACK), List.of("all"), env,
                DIR.resolve("all-in-one.log"));
        CHILDREN.add(child);
        return child;
    }

    private static void awaitReady(ChildJvm child) {
        for (String service : List.of("COUPON", "POINTS", "NOTIFICATION", "ORDER")) {
            child.awaitHttpOk("http://127.0.0.1:" + PORTS.get(service + "_HTTP") + "/health/ready", Duration.ofSeconds(120));
        }
    }

    private static FlowDatabases databases() {
        List<FlowDatabases.Location> l = new ArrayList<>();
        for (String service : List.of("order-service", "coupon-service", "points-service", "notification-service")) {
            String db = Services.database(service);
            l.add(new FlowDatabases.Location("jdbc:postgresql://127.0.0.1:" + PORTS.get("POSTGRES") + "/" + db, db, ""));
        }
        return FlowDatabases.open(l.get(0), l.get(1), l.get(2), l.get(3));
    }

    private static String orderUrl() {
        return "http://127.0.0.1:" + PORTS.get("ORDER_HTTP");
    }

    private static Path armFile(int kill) {
        return DIR.resolve("arm-" + kill);
    }

    private static Path sendLog() {
        return DIR.resolve("notifications-sent.log");
    }

    private static java.net.URI resource(String name) {
        try {
            return CrashIT.class.getClassLoader().getResource(name).toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }
}
