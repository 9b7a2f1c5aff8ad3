package io.orderflow.launcher.demo;

import io.orderflow.devstack.LocalPostgres;
import io.orderflow.devstack.ChildJvm;
import io.orderflow.launcher.drill.FlowDatabases;
import io.orderflow.launcher.drill.History;
import io.orderflow.launcher.drill.HistoryChecker;
import io.orderflow.launcher.drill.OrderWorkload;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reference 004 (persistence, delivery guarantees): what a home-made in-memory queue loses in a crash.
 * The all-in-one runs as a child JVM; it is killed with SIGKILL during load and started again.
 */
final class LossDemo implements Demo {

    @Override
    public String name() {
        return "loss";
    }

    @Override
    public String title() {
        return "a crash loses nothing: kill -9 the stack during load, restart, every 202 order is final";
    }

    @Override
    public boolean ownProcess() {
        return true;
    }

    @Override
    public String notOnExternalStack() {
        return "it kills the whole stack with kill -9 and restarts it, so it runs its own all-in-one as a child JVM";
    }

    @Override
    public void run(DemoStack ignored, DemoOut out) throws Exception {
        Path dir = out.workDir("loss");
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", dir.resolve("data").toString());
        int pg = freePort();
        int order = freePort();
        env.put("POSTGRES_PORT", Integer.toString(pg));
        env.put("KAFKA_PORT", Integer.toString(freePort()));
        env.put("SCHEMA_REGISTRY_PORT", Integer.toString(freePort()));
        env.put("ORDER_HTTP_PORT", Integer.toString(order));
        env.put("COUPON_HTTP_PORT", Integer.toString(freePort()));
        env.put("POINTS_HTTP_PORT", Integer.toString(freePort()));
        env.put("NOTIFICATION_HTTP_PORT", Integer.toString(freePort()));
        String base = "http://127.0.0.1:" + order;
        int rate = 50;
        int seconds = out.count(12, 8);
        int killAfter = rate; // 202 answers before the kill: without them the checks below would hold vacuously
        try (ChildJvm stack = ChildJvm.of("all-in-one", List.of("-Xmx768m"), List.of("all"), env, dir.resolve("all-in-one.log"))) {
            long startAt = System.nanoTime();
            stack.start();
            stack.awaitHttpOk(base + "/health/ready", Duration.ofSeconds(120));
            out.say("Started the all-in-one as a child JVM (pid %d, ready in %.1f s); places %d orders/s for %d s (coupons,",
                    stack.pid(), (System.nanoTime() - startAt) / 1e9, rate, seconds);
            out.say("points, ...) and sends kill -9 once %d have been answered 202: no shutdown hook, no flush.", killAfter);
            Load load = Load.start(base, rate, rate * seconds, OrderWorkload.Mix.REALISTIC);
            Waits.within(Duration.ofSeconds(seconds), () -> load.workload.history().accepted() >= killAfter);
            long acceptedBeforeKill = load.workload.history().accepted();
            stack.kill9();
            long killedAt = System.nanoTime();
            out.say("Killed %.1f s into the load, after %d × 202; started again at once.", (killedAt - load.startNanos) / 1e9,
                    acceptedBeforeKill);
            stack.start();
            stack.awaitHttpOk(base + "/health/ready", Duration.ofSeconds(120));
            double down = (System.nanoTime() - killedAt) / 1e9;
            History history = load.await();
            HistoryChecker.Report report;
            FlowDatabases.Location[] l = new FlowDatabases.Location[4];
            String[] dbs = {"orders", "coupons", "points", "notifications"};
            for (int i = 0; i < 4; i++) {
                l[i] = new FlowDatabases.Location("jdbc:postgresql://127.0.0.1:" + pg + "/" + dbs[i], dbs[i], "");
            }
            try (FlowDatabases flow = FlowDatabases.open(l[0], l[1], l[2], l[3])) {
                report = load.check(flow, Duration.ofSeconds(90));
            }
            out.say("back and ready after %.1f s; requests %d: %d answered 202, %d refused, %d without answer (%d placed)",
                    down, report.attempted(), report.accepted(), report.refused().values().stream().mapToLong(Long::longValue).sum(),
                    report.indeterminate(), report.indeterminatePlaced());
            out.say("outcomes %s; all final %.1f s after the load", report.outcomes(), report.settleMillis() / 1000.0);
            out.check(acceptedBeforeKill >= killAfter, "the kill hit a stack that was taking orders (%d × 202 before it)",
                    acceptedBeforeKill);
            out.check(report.lost() == 0, "no order answered 202 is missing (lost %d)", report.lost());
            out.check(report.stuck() == 0, "every order is final (stuck %d)", report.stuck());
            out.check(report.duplicateEffects() == 0 && report.oversold() == 0 && report.phantom() == 0,
                    "no effect doubled, no coupon oversold, no phantom order");
            out.check(report.invariants().ok(), "the four databases agree (InvariantChecker)");
            out.say("Why: a 202 is given only after PostgreSQL committed the order and its event (fsync on); offsets are");
            out.say("committed after the effects. The reference's in-memory queue would have lost what it held.");
            out.headline("killed under load: %d × 202, lost %d, stuck %d, dup %d", report.accepted(), report.lost(),
                    report.stuck(), report.duplicateEffects());
            stack.kill9(); // its data directory is thrown away: a clean shutdown would only cost time
        } finally {
            LocalPostgres.stopAbandoned(dir.resolve("data").resolve("postgres"));
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
