package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.devstack.DevStack;
import io.orderflow.devstack.ChildJvm;
import io.orderflow.launcher.drill.AfterCrash;
import io.orderflow.launcher.drill.FlowDatabases;
import io.orderflow.launcher.drill.OrderWorkload;
import io.orderflow.platform.crash.CrashPoints;
import io.orderflow.platform.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The four services as four processes ({@code service <name>}) on one broker and registry (in this JVM)
 * and one PostgreSQL, as compose runs them. While clients place orders, each service in turn is killed
 * ({@code kill -9} by its own {@link CrashPoints crash point}, in the middle of a batch: after a consumer
 * batch's DB commit and before its offsets; for notification-service after a send and before its SENT mark)
 * and started again. Nothing is lost, nothing stuck, no effect or notification happens twice.
 */
class ServiceCrashIT {

    /** Which service dies where; each process is armed from the start, its arm file makes it count hits. */
    private record Kill(String service, String point, int hit) {
    }

    private static final List<Kill> KILLS = List.of(
            new Kill("coupon-service", CrashPoints.CONSUMER_AFTER_DB_COMMIT, 3),
            new Kill("points-service", CrashPoints.CONSUMER_AFTER_DB_COMMIT, 3),
            new Kill("notification-service", CrashPoints.NOTIFICATION_AFTER_SEND, 5),
            new Kill("order-service", CrashPoints.CONSUMER_AFTER_DB_COMMIT, 3),
            // The saga, in order-service's process: after a transition was stored and forwarded, before its EOS commit.
            new Kill("order-service", CrashPoints.SAGA_AFTER_FORWARD, 20));
    private static final double RATE = 25;
    private static final Duration SETTLE = Duration.ofSeconds(30 + 30);
    /**
     * From the restarted service's readiness until every order of the run is final and notified (from readiness,
     * not from the restart: a JVM's start-up on a busy machine says nothing about recovery). What it keeps out: a
     * restarted consumer waiting for its dead predecessor's session (45 s by default; 10 s here), notifications a
     * dead instance had claimed waiting for the claim's lease (a minute before: 51 s after readiness, measured;
     * 20 s now).
     */
    private static final Duration READY_TO_FINAL = Duration.ofSeconds(30);

    private static final Path DIR = Path.of("target", "service-crash-it", Long.toString(System.currentTimeMillis(), 36))
            .toAbsolutePath();
    private static DevStack kafka;
    private static final Map<String, TestDatabase> DATABASES = new LinkedHashMap<>();
    private static final Map<String, Integer> PORTS = new HashMap<>();
    private static final Map<String, ChildJvm> RUNNING = new HashMap<>();
    private static final List<ChildJvm> CHILDREN = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        kafka = DevStack.startForTests();
        for (String service : Services.NAMES) {
            DATABASES.put(service, TestDatabase.create(service));
            PORTS.put(service, CrashIT.freePort());
        }
        for (String service : Services.NAMES) { // order-service last: its coupon view reads coupon-service's catalog
            ChildJvm child = service(service, nextKill(service, 0)).start();
            RUNNING.put(service, child);
        }
        for (String service : Services.NAMES) {
            RUNNING.get(service).awaitHttpOk(health(service), Duration.ofSeconds(120));
        }
    }

    @AfterAll
    static void stop() {
        CHILDREN.forEach(c -> c.stop(Duration.ofSeconds(20)));
        DATABASES.values().forEach(TestDatabase::close);
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void eachServiceKilledInTheMiddleOfABatchLosesNothingAndDoesNothingTwice() throws Exception {
        List<String> rows = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        List<String> slow = new ArrayList<>();
        for (int i = 0; i < KILLS.size(); i++) {
            Kill kill = KILLS.get(i);
            String runId = "svc" + i + "x" + Long.toString(System.nanoTime() % 1_000_000, 36);
            OrderWorkload workload = new OrderWorkload(new OrderWorkload.Settings(
                    "http://127.0.0.1:" + PORTS.get("order-service"), RATE, 10_000, OrderWorkload.Mix.REALISTIC, 150,
                    runId, Duration.ofSeconds(10), 7 + i));
            CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
                try {
                    workload.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });

            // Given orders flowing through the four processes
            await().atMost(Duration.ofSeconds(60)).until(() -> workload.history().accepted() >= 40);
            // When the service's crash point is armed, it kills itself in the middle of a batch
            ChildJvm dying = RUNNING.get(kill.service());
            Files.createFile(armFile(kill));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> !dying.isAlive());
            assertThat(dying.tail(400)).contains("CRASH POINT " + kill.point() + ": hit " + kill.hit());
            // and is started again (armed for its next kill, if any), while the orders keep coming (they fail only
            // while order-service is away)
            long restart = System.nanoTime();
            ChildJvm again = service(kill.service(), nextKill(kill.service(), i + 1)).start();
            RUNNING.put(kill.service(), again);
            again.awaitHttpOk(health(kill.service()), Duration.ofSeconds(120));
            long readyMillis = (System.nanoTime() - restart) / 1_000_000;
            await().atMost(Duration.ofSeconds(30)).until(() -> workload.history().accepted() >= 80);
            workload.stop();
            running.get();

            // Then every order of the run is whole and final, and every effect happened exactly once
            try (FlowDatabases dbs = databases()) {
                AfterCrash after = AfterCrash.check(workload.history(), runId, dbs, sendLog(), SETTLE);
                long toFinal = (System.nanoTime() - restart) / 1_000_000;
                workload.history().save(DIR.resolve("history-" + i + ".jsonl"));
                System.out.println("---- kill -9 of " + kill.service() + " (" + kill.point() + ")");
                after.print(System.out);
                rows.add(String.format("| %-20s | %-24s | %5d | %4d | %5d | %4d | %6d | %6d | %7.1f | %8.1f |",
                        kill.service(), kill.point(),
                        after.history().accepted(), after.history().lost(), after.history().stuck(), after.duplicates(),
                        after.effects().missing(), after.effects().resends(), readyMillis / 1000.0, toFinal / 1000.0));
                boolean ok = after.ok();
                if (!ok) {
                    failures.add(kill.service());
                }
                if (toFinal - readyMillis > READY_TO_FINAL.toMillis()) {
                    slow.add(kill.service() + " at " + kill.point() + ": " + (toFinal - readyMillis) / 1000.0 + " s");
                }
            }
        }
        System.out.println("| kill -9 of           | at                       |   202 | lost | stuck |  dup | missed | resent "
                + "| ready s | →final s |");
        rows.forEach(System.out::println);
        System.out.println("(→final: from the restart until every order of the run was final and its notices sent)");
        assertThat(failures).as("services after whose kill the checks failed (see the reports above)").isEmpty();
        assertThat(slow).as("restarts after which the run took longer than %s from ready to final and notified",
                READY_TO_FINAL).isEmpty();
    }

    private static ChildJvm service(String service, Kill armed) {
        TestDatabase db = DATABASES.get(service);
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", DIR.resolve("data").toString());
        env.put("HTTP_HOST", "127.0.0.1");
        env.put("HTTP_PORT", Integer.toString(PORTS.get(service)));
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", kafka.schemaRegistryUrl());
        env.put("DB_URL", db.url());
        env.put("DB_USER", db.user());
        env.put("DB_PASSWORD", db.password() == null ? "" : db.password());
        env.put("TOPIC_PARTITIONS", "3");
        env.put("NOTIFICATION_SEND_LOG", sendLog().toString());
        if (armed != null) {
            env.put(CrashPoints.POINT_ENV, armed.point());
            env.put(CrashPoints.AFTER_ENV, Integer.toString(armed.hit()));
            env.put(CrashPoints.ARM_FILE_ENV, armFile(armed).toString());
        }
        ChildJvm child = ChildJvm.of(service, List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dlogback.configurationFile=" + CrashIT.LOGBACK), List.of("service", service), env,
                DIR.resolve(service + ".log"));
        CHILDREN.add(child);
        return child;
    }

    private static FlowDatabases databases() {
        List<FlowDatabases.Location> l = new ArrayList<>();
        for (String service : List.of("order-service", "coupon-service", "points-service", "notification-service")) {
            TestDatabase db = DATABASES.get(service);
            l.add(new FlowDatabases.Location(db.url(), db.user(), db.password()));
        }
        return FlowDatabases.open(l.get(0), l.get(1), l.get(2), l.get(3));
    }

    private static String health(String service) {
        return "http://127.0.0.1:" + PORTS.get(service) + "/health/ready";
    }

    private static Path armFile(Kill kill) {
        return DIR.resolve("arm-" + KILLS.indexOf(kill));
    }

    /** The service's first kill from {@code from} on, or null. */
    private static Kill nextKill(String service, int from) {
        return KILLS.subList(from, KILLS.size()).stream().filter(k -> k.service().equals(service)).findFirst().orElse(null);
    }

    private static Path sendLog() {
        return DIR.resolve("notifications-sent.log");
    }
}
