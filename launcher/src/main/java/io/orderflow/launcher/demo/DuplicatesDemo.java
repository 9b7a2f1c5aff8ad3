package io.orderflow.launcher.demo;

import io.orderflow.schemas.Topics;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/** Reference 002 (duplicate consumption): at-least-once delivery, made harmless by the inbox. */
final class DuplicatesDemo implements Demo {

    private static final List<String> GROUPS = List.of("coupon-service", "points-service", "notification-service");

    @Override
    public String name() {
        return "duplicates";
    }

    @Override
    public String title() {
        return "redelivery changes nothing: rewind three groups by K records";
    }

    @Override
    public String notOnExternalStack() {
        return "it stops coupon-, points- and notification-service to move their groups' offsets back (a group with live members cannot be moved) and compares their databases";
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        int n = out.count(30, 10);
        long k = out.count(25, 8);
        String run = "dup-" + Long.toString(System.currentTimeMillis(), 36);
        for (int i = 0; i < n; i++) {
            stack.awaitFinal(stack.place(Http.order(run + "-c" + (i % 5), i % 2 == 0 ? "WELCOME10" : null, 0)),
                    Duration.ofSeconds(60));
        }
        String topic = Topics.PAYMENTS_EVENTS.name();
        try (Admin admin = stack.admin()) {
            for (String group : GROUPS) {
                Waits.until(group + " caught up", Duration.ofSeconds(30), () -> Groups.lag(admin, group, topic) == 0);
            }
            Map<String, Long> before = effects(stack);
            out.say("Placed %d orders, all final. Effects now: %s", n, before);
            out.say("Stops coupon-, points- and notification-service, moves each group back %d records on %s", k, topic);
            out.say("(Admin API, as after a crash before the offset commit), and starts them again.");
            Map<String, Long> moved = new LinkedHashMap<>();
            for (String group : GROUPS) {
                stack.stop(group);
            }
            for (String group : GROUPS) {
                moved.put(group, Groups.rewind(admin, group, topic, k));
            }
            for (String group : GROUPS) {
                stack.restart(group);
            }
            for (String group : GROUPS) {
                Waits.until(group + " re-consumed", Duration.ofSeconds(60), () -> Groups.lag(admin, group, topic) == 0
                        && Metrics.read(stack.url(group), Metrics.CONSUMER_DUPLICATES) >= moved.get(group));
            }
            Map<String, Long> dupes = new LinkedHashMap<>();
            Map<String, Long> applied = new LinkedHashMap<>();
            for (String group : GROUPS) {
                dupes.put(group, (long) Metrics.read(stack.url(group), Metrics.CONSUMER_DUPLICATES));
                applied.put(group, (long) Metrics.read(stack.url(group), Metrics.CONSUMER_APPLIED));
            }
            Map<String, Long> after = effects(stack);
            out.say("redelivered %s; inbox duplicates counted by the new instances: %s; applied %s", moved, dupes, applied);
            out.check(after.equals(before), "effects unchanged: %s", after);
            out.check(dupes.equals(moved), "each service's %s rose by exactly the K records it got again",
                    Metrics.CONSUMER_DUPLICATES);
            out.say("Why: Kafka delivers at least once; each consumer records every eventId in its inbox in the same");
            out.say("transaction as the effect, so a redelivered event is recognised and skipped.");
            out.headline("K=%d redelivered to 3 groups, effects unchanged, duplicates %s", k, dupes.values());
        }
    }

    /** Balances, coupon uses and notifications in the three databases. */
    private static Map<String, Long> effects(DemoStack stack) throws Exception {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("points", one(stack, "points-service", "SELECT COALESCE(SUM(delta), 0) FROM ledger"));
        m.put("ledgerRows", one(stack, "points-service", "SELECT COUNT(*) FROM ledger"));
        m.put("couponUses", one(stack, "coupon-service", "SELECT COUNT(*) FROM redemptions WHERE status = 'REDEEMED'"));
        m.put("notifications", one(stack, "notification-service", "SELECT COUNT(*) FROM notifications"));
        return m;
    }

    static long one(DemoStack stack, String service, String sql) throws Exception {
        try (Connection c = stack.db(service).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
