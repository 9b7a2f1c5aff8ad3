package io.orderflow.launcher.drill;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Checks that each order's PaymentCompleted changed coupons, points and notifications exactly once: not
 * lost, not applied twice, whatever crashed in between. Per order of a run:
 * <ul>
 *   <li>points: a COMPLETED order has exactly one EARN (and at most one REDEEM) in points-service's ledger;</li>
 *   <li>coupons: an order with a coupon has at most one redemption, a REDEEMED one if it COMPLETED;</li>
 *   <li>notifications: one PAYMENT_RECEIVED and one notice of its final status in notification-service's table,
 *       all SENT; and, from the sender's own log ({@code NOTIFICATION_SEND_LOG}, written as each send happens, so
 *       it remembers what a crash made the database forget), each of them sent under one idempotency key only.
 *       The same key sent again is an at-least-once resend that a provider drops: counted, not a violation.</li>
 * </ul>
 */
public final class EffectsChecker {

    /**
     * @param orders the run's orders checked
     * @param missing effects that should have happened and did not
     * @param duplicates effects that happened twice (two ledger rows, a notification sent under two keys...)
     * @param resends sends repeated under the same key (a crash between a send and its SENT mark)
     * @param settleMillis how long after the check began every effect was there (or the limit)
     */
    public record Report(long orders, long missing, long duplicates, long resends, long settleMillis,
                         List<String> violations) {

        public boolean ok() {
            return violations.isEmpty();
        }

        public void print(PrintStream out) {
            out.printf("effects of %d orders: %d missing, %d duplicate, %d notification resend(s) under the same key → %s%n",
                    orders, missing, duplicates, resends, ok() ? "PASS" : "FAIL");
            violations.stream().limit(20).forEach(v -> out.println("  - " + v));
            if (violations.size() > 20) {
                out.println("  ... and " + (violations.size() - 20) + " more");
            }
        }
    }

    private record Order(String id, String status, String coupon) {
    }

    private EffectsChecker() {
    }

    /**
     * @param runId the prefix of the run's Idempotency-Keys
     * @param sendLog notification-service's {@code NOTIFICATION_SEND_LOG}
     * @param settleLimit how long the effects may take to be complete
     */
    public static Report check(FlowDatabases dbs, String runId, Path sendLog, Duration settleLimit) throws Exception {
        Map<String, Order> orders = new HashMap<>();
        try (Connection c = dbs.orders().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT order_id, status, coupon_code FROM orders WHERE idempotency_key LIKE ?")) {
            ps.setString(1, runId.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    orders.put(rs.getString(1), new Order(rs.getString(1), rs.getString(2), rs.getString(3)));
                }
            }
        }
        // A service restarted after a crash may still be catching up: check until every effect is there (or the limit).
        long start = System.nanoTime();
        long deadline = start + settleLimit.toNanos();
        while (true) {
            List<String> missing = new ArrayList<>();
            List<String> duplicates = new ArrayList<>();
            checkPoints(dbs.points(), orders, missing, duplicates);
            checkCoupons(dbs.coupons(), orders, missing, duplicates);
            long resends = checkNotifications(dbs.notifications(), orders, sendLog, missing, duplicates);
            if ((missing.isEmpty() && duplicates.isEmpty()) || System.nanoTime() >= deadline) {
                List<String> violations = new ArrayList<>(missing);
                violations.addAll(duplicates);
                return new Report(orders.size(), missing.size(), duplicates.size(), resends,
                        (System.nanoTime() - start) / 1_000_000, List.copyOf(violations));
            }
            Thread.sleep(250); // polling other processes' databases: nothing to wait on but time
        }
    }

    private static void checkPoints(DataSource points, Map<String, Order> orders, List<String> missing,
                                    List<String> duplicates) throws SQLException {
        Map<String, Map<String, Long>> kinds = new HashMap<>();
        FlowDatabases.query(points, "SELECT order_id, kind, COUNT(*) FROM ledger WHERE order_id IS NOT NULL GROUP BY order_id, kind", rs -> {
            if (orders.containsKey(rs.getString(1))) {
                kinds.computeIfAbsent(rs.getString(1), k -> new HashMap<>()).put(rs.getString(2), rs.getLong(3));
            }
        });
        for (Order o : orders.values()) {
            Map<String, Long> k = kinds.getOrDefault(o.id(), Map.of());
            long earn = k.getOrDefault("EARN", 0L);
            long redeem = k.getOrDefault("REDEEM", 0L);
            if (earn > 1 || redeem > 1) {
                duplicates.add("order " + o.id() + ": points applied more than once " + k);
            } else if (o.status().equals("COMPLETED") && earn == 0) {
                missing.add("order " + o.id() + " COMPLETED but earned no points " + k);
            }
        }
    }

    private static void checkCoupons(DataSource coupons, Map<String, Order> orders, List<String> missing,
                                     List<String> duplicates) throws SQLException {
        Map<String, List<String>> redemptions = new HashMap<>();
        FlowDatabases.query(coupons, "SELECT order_id, status FROM redemptions", rs -> {
            if (orders.containsKey(rs.getString(1))) {
                redemptions.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
            }
        });
        for (Order o : orders.values()) {
            List<String> r = redemptions.getOrDefault(o.id(), List.of());
            if (r.size() > 1) {
                duplicates.add("order " + o.id() + ": " + r.size() + " redemptions " + r);
            } else if (o.coupon() != null && o.status().equals("COMPLETED") && !r.equals(List.of("REDEEMED"))) {
                missing.add("order " + o.id() + " COMPLETED with " + o.coupon() + " but its redemption is " + r);
            } else if (o.coupon() == null && !r.isEmpty()) {
                duplicates.add("order " + o.id() + " has no coupon but a redemption " + r);
            }
        }
    }

    private static long checkNotifications(DataSource notifications, Map<String, Order> orders, Path sendLog,
                                           List<String> missing, List<String> duplicates) throws Exception {
        // What the database holds: (order, kind) -> status and the key it is sent under.
        Map<String, String> statusByOrderKind = new HashMap<>();
        Map<String, String> keyByOrderKind = new HashMap<>();
        FlowDatabases.query(notifications, "SELECT order_id, kind, status, source_event_id FROM notifications", rs -> {
            if (orders.containsKey(rs.getString(1))) {
                String ok = rs.getString(1) + " " + rs.getString(2);
                statusByOrderKind.put(ok, rs.getString(3));
                keyByOrderKind.put(ok, "orderflow-notification-" + rs.getString(4));
            }
        });
        // What was sent: (order, kind) -> the keys it was sent under, and how often.
        Map<String, Set<String>> sentKeys = new HashMap<>();
        long sends = 0;
        List<String> lines = Files.exists(sendLog) ? Files.readAllLines(sendLog, StandardCharsets.UTF_8) : List.of();
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f.length != 3 || !orders.containsKey(f[1])) {
                continue;
            }
            sends++;
            sentKeys.computeIfAbsent(f[1] + " " + f[2], k -> new HashSet<>()).add(f[0]);
        }
        long distinct = sentKeys.values().stream().mapToLong(Set::size).sum();
        for (Order o : orders.values()) {
            List<String> expected = new ArrayList<>(List.of("PAYMENT_RECEIVED"));
            switch (o.status()) {
                case "COMPLETED" -> expected.add("ORDER_CONFIRMED");
                case "CANCELLED" -> expected.add("ORDER_CANCELLED");
                case "FAILED" -> expected.add("ORDER_FAILED");
                default -> { }
            }
            for (String kind : expected) {
                String ok = o.id() + " " + kind;
                Set<String> keys = sentKeys.getOrDefault(ok, Set.of());
                if (!"SENT".equals(statusByOrderKind.get(ok))) {
                    missing.add("order " + o.id() + " is " + o.status() + " but its " + kind + " notification is "
                            + statusByOrderKind.getOrDefault(ok, "absent"));
                } else if (keys.isEmpty()) {
                    missing.add("order " + o.id() + ": " + kind + " marked SENT but the sender never got it");
                }
            }
        }
        sentKeys.forEach((ok, keys) -> {
            if (keys.size() > 1) {
                duplicates.add("order and kind " + ok + " sent under " + keys.size() + " keys: " + keys);
            } else if (!keys.contains(keyByOrderKind.get(ok))) {
                duplicates.add("order and kind " + ok + " sent under " + keys + " that the database does not know");
            }
        });
        return sends - distinct;
    }
}
