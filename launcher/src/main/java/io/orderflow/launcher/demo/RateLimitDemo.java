package io.orderflow.launcher.demo;

import io.orderflow.launcher.drill.HistoryChecker;
import io.orderflow.launcher.drill.OrderWorkload;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reference 004 (rate limiting): a slow SMS gateway takes N per second; the backlog waits in a table, not in memory. */
final class RateLimitDemo implements Demo {

    static final int N = 20;

    @Override
    public String name() {
        return "rate-limit";
    }

    @Override
    public String title() {
        return "a slow SMS gateway: notifications sent at ≤ N/s during a burst, none lost or doubled";
    }

    @Override
    public Map<String, Map<String, String>> ownStackEnv(Options options) {
        return Map.of("notification-service", Map.of("NOTIFICATION_MAX_PER_SECOND", Integer.toString(N)));
    }

    @Override
    public String notOnExternalStack() {
        return "it needs notification-service limited (NOTIFICATION_MAX_PER_SECOND) and reads the send times from its database";
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        int orders = out.count(200, 80);
        int rate = 50;
        out.say("Places %d orders at %d/s; notification-service sends at most %d per second (NOTIFICATION_MAX_PER_SECOND).",
                orders, rate, N);
        Load load = Load.start(stack.orders(), rate, orders, OrderWorkload.Mix.PLAIN);
        load.await();
        HistoryChecker.Report report = load.check(Load.databases(stack), Duration.ofSeconds(60));
        long expected = 2L * report.accepted(); // PAYMENT_RECEIVED and ORDER_CONFIRMED
        long[] pending = {0};
        Waits.until("every notification sent", Duration.ofSeconds(orders * 2L / N + 60), () -> {
            pending[0] = DuplicatesDemo.one(stack, "notification-service", "SELECT COUNT(*) FROM notifications WHERE status <> 'SENT'");
            return pending[0] == 0 && sentOfRun(stack, load).size() >= expected;
        });
        List<Double> sentAt = sentOfRun(stack, load);
        long rows = DuplicatesDemo.one(stack, "notification-service", "SELECT COUNT(*) FROM notifications WHERE customer_id LIKE '"
                + load.settings.runId() + "-%'");
        long distinct = DuplicatesDemo.one(stack, "notification-service", "SELECT COUNT(DISTINCT order_id || kind) FROM notifications "
                + "WHERE customer_id LIKE '" + load.settings.runId() + "-%'");
        int secs = (int) Math.ceil(sentAt.stream().mapToDouble(Double::doubleValue).max().orElse(1)) + 1;
        double[] perSecond = new double[secs];
        sentAt.forEach(s -> perSecond[Math.max(0, (int) Math.floor(s))]++);
        List<Double> sends = new ArrayList<>();
        double max = 0;
        for (double v : perSecond) {
            sends.add(v);
            max = Math.max(max, v);
        }
        double last = sentAt.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        var file = Charts.timeSeries(out.picturePath("rate-limit.png"),
                String.format("A burst of %d orders at %d/s; the SMS sender keeps to %d/s and drains the backlog afterwards",
                        orders, rate, N),
                "time since the burst started (s)", "per second", null,
                List.of(new Charts.Line("orders answered 202 per second", Load.seconds(secs), load.acceptedPerSecond(secs), false),
                        new Charts.Line("notifications sent per second (limit " + N + ")", Load.seconds(secs), sends, false)));
        out.say("%d orders accepted in %.0f s; %d notifications sent over %.0f s; the most in one second: %.0f",
                report.accepted(), orders / (double) rate, sentAt.size(), last, max);
        out.check(max <= N + 1, "sends per second never above the limit (%.0f ≤ %d, +1 for the second's boundary)", max, N);
        out.check(rows == expected && distinct == expected, "none lost, none twice: %d rows, %d distinct, %d expected",
                rows, distinct, expected);
        out.check(report.ok(), "every order final, invariants hold");
        out.picture(file.toString());
        out.say("Why: the reference's SMS step (100 ms, retried) must not hold up checkout, and a gateway that");
        out.say("allows N/s must not be flooded. The queue decouples the rates; the backlog is durable, so it waits.");
        out.headline("burst %d/s, sends ≤ %.0f/s (limit %d), %d sent, 0 lost/doubled", rate, max, N, sentAt.size());
    }

    /** Send times of the run's notifications, in seconds since the load started. */
    private static List<Double> sentOfRun(DemoStack stack, Load load) throws Exception {
        List<Double> at = new ArrayList<>();
        long startMillis = System.currentTimeMillis() - (System.nanoTime() - load.startNanos) / 1_000_000;
        try (Connection c = stack.db("notification-service").getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT sent_at FROM notifications WHERE status = 'SENT' AND customer_id LIKE '"
                     + load.settings.runId() + "-%'")) {
            while (rs.next()) {
                at.add((rs.getTimestamp(1).getTime() - startMillis) / 1000.0);
            }
        }
        return at;
    }
}
