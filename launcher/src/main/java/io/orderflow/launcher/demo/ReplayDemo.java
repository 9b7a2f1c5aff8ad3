package io.orderflow.launcher.demo;

import io.orderflow.schemas.Topics;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;

/** The log is the source of truth: a projection's database can be rebuilt from it. */
final class ReplayDemo implements Demo {

    private static final String GROUP = "notification-service";
    private static final List<String> TOPICS = List.of(Topics.PAYMENTS_EVENTS.name(), Topics.ORDERS_STATUS.name());

    @Override
    public String name() {
        return "replay";
    }

    @Override
    public String title() {
        return "the log is the source of truth: drop notification-service's rows, replay, same rows";
    }

    @Override
    public String notOnExternalStack() {
        return "it stops notification-service and deletes its rows before replaying: on a real stack that destroys its notifications";
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        int n = out.count(20, 8);
        String run = "replay-" + Long.toString(System.currentTimeMillis(), 36);
        for (int i = 0; i < n; i++) {
            stack.awaitFinal(stack.place(Http.order(run + "-c" + i, null, i % 4 == 0 ? 50 : 0)), Duration.ofSeconds(60));
        }
        try (Admin admin = stack.admin()) {
            Waits.until("notification-service caught up", Duration.ofSeconds(30),
                    () -> TOPICS.stream().allMatch(t -> lag(admin, t) == 0));
            Set<String> before = rows(stack);
            out.say("%d notifications in notification-service's database (orders of every demo so far).", before.size());
            stack.stop(GROUP);
            out.say("Stops notification-service, deletes its notifications and its inbox (as if its database were lost),");
            out.say("moves its group to the beginning of %s, and starts it again.", TOPICS);
            Groups.toBeginning(admin, GROUP, TOPICS);
            execute(stack, "DELETE FROM notifications");
            execute(stack, "DELETE FROM inbox");
            long t0 = System.nanoTime();
            stack.restart(GROUP);
            Waits.until("the notifications rebuilt", Duration.ofSeconds(60),
                    () -> TOPICS.stream().allMatch(t -> lag(admin, t) == 0) && rows(stack).size() >= before.size());
            Set<String> after = rows(stack);
            out.say("rebuilt %d rows in %.1f s by replaying the log", after.size(), (System.nanoTime() - t0) / 1e9);
            out.check(after.equals(before), "the rebuilt rows equal the ones before (order, customer, kind, message, event)");
            out.say("Why: Kafka keeps the events (retention), not only the queue's head: a new or broken read model");
            out.say("is rebuilt by reading again. (A real SMS gateway would need the dispatcher's idempotency key here.)");
            out.headline("%d rows dropped and rebuilt, %s", after.size(), after.equals(before) ? "identical" : "different");
        }
    }

    private static long lag(Admin admin, String topic) {
        try {
            return Groups.lag(admin, GROUP, topic);
        } catch (Exception e) {
            return Long.MAX_VALUE;
        }
    }

    /** On the service's database directly: the service is stopped. */
    private static void execute(DemoStack stack, String sql) throws Exception {
        String database = io.orderflow.launcher.Services.database(GROUP);
        try (Connection c = java.sql.DriverManager.getConnection(stack.dev().postgres().orElseThrow().jdbcUrl(database),
                database, ""); Statement s = c.createStatement()) {
            s.executeUpdate(sql);
        }
    }

    private static Set<String> rows(DemoStack stack) throws Exception {
        Set<String> rows = new TreeSet<>();
        try (Connection c = stack.db(GROUP).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT order_id, customer_id, kind, message, source_event_id FROM notifications")) {
            while (rs.next()) {
                rows.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4) + "|"
                        + rs.getString(5));
            }
        }
        return rows;
    }
}
