package io.orderflow.launcher;

import java.io.PrintStream;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Checks, after a run, that the four services' databases tell one consistent story:
 * <ul>
 *   <li>every order reached a final status (COMPLETED, CANCELLED or FAILED);</li>
 *   <li>coupon uses: the active redemptions of each coupon are exactly the COMPLETED orders with that
 *       coupon, and a limited coupon's remaining count is its total minus those;</li>
 *   <li>each customer's points balance equals the sum of their ledger, and a CANCELLED order left no
 *       net points movement;</li>
 *   <li>refunds: every CANCELLED order's payment is refunded, once; no other payment is;</li>
 *   <li>one confirmation per COMPLETED order and one cancellation notice per CANCELLED order.</li>
 * </ul>
 * Reusable by load runs: it reads the databases only.
 */
public final class InvariantChecker {

    /** One invariant and what violated it (empty when it holds). */
    public record Check(String name, long checked, List<String> violations) {
        public boolean ok() {
            return violations.isEmpty();
        }
    }

    public record Report(List<Check> checks) {
        public boolean ok() {
            return checks.stream().allMatch(Check::ok);
        }

        public void print(PrintStream out) {
            for (Check c : checks) {
                out.printf("%s %-58s (%d checked)%n", c.ok() ? "OK  " : "FAIL", c.name(), c.checked());
                c.violations().stream().limit(20).forEach(v -> out.println("       - " + v));
                if (c.violations().size() > 20) {
                    out.println("       ... and " + (c.violations().size() - 20) + " more");
                }
            }
            out.println(ok() ? "All invariants hold." : "Invariants violated.");
        }
    }

    private record Order(String id, String customer, String status, String coupon, String payment) {
    }

    private InvariantChecker() {
    }

    public static Report check(DataSource orders, DataSource coupons, DataSource points, DataSource notifications)
            throws Exception {
        Map<String, Order> all = new HashMap<>();
        query(orders, "SELECT o.order_id, o.customer_id, o.status, o.coupon_code, p.status FROM orders o "
                + "LEFT JOIN payments p ON p.order_id = o.order_id", rs -> all.put(rs.getString(1),
                new Order(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5))));
        List<Check> checks = new ArrayList<>();
        checks.add(everyOrderFinal(all));
        checks.add(couponUses(all, coupons));
        checks.add(couponRemaining(coupons));
        checks.add(balancesMatchLedger(points));
        checks.add(cancelledOrdersMovedNoPoints(all, points));
        checks.add(refunds(all));
        checks.add(notices(all, notifications));
        return new Report(checks);
    }

    private static Check everyOrderFinal(Map<String, Order> orders) {
        List<String> v = orders.values().stream()
                .filter(o -> !Set.of("COMPLETED", "CANCELLED", "FAILED").contains(o.status()))
                .map(o -> o.id() + " is " + o.status()).toList();
        return new Check("every order is final", orders.size(), v);
    }

    private static Check couponUses(Map<String, Order> orders, DataSource coupons) throws Exception {
        Map<String, String> active = new HashMap<>();
        query(coupons, "SELECT order_id, code FROM redemptions WHERE status = 'REDEEMED'",
                rs -> active.put(rs.getString(1), rs.getString(2)));
        List<String> v = new ArrayList<>();
        for (Order o : orders.values()) {
            boolean shouldUse = o.coupon() != null && o.status().equals("COMPLETED");
            String used = active.get(o.id());
            if (shouldUse && !o.coupon().equals(used)) {
                v.add(o.id() + " COMPLETED with " + o.coupon() + " but its redemption is " + used);
            } else if (!shouldUse && used != null && !o.status().equals("FAILED")) {
                v.add(o.id() + " is " + o.status() + " but still holds coupon " + used);
            }
        }
        for (String orderId : active.keySet()) {
            if (!orders.containsKey(orderId)) {
                v.add("redemption for unknown order " + orderId);
            }
        }
        return new Check("coupon uses = COMPLETED orders with that coupon", orders.size(), v);
    }

    private static Check couponRemaining(DataSource coupons) throws Exception {
        List<String> v = new ArrayList<>();
        long[] n = {0};
        query(coupons, "SELECT c.code, c.total_uses, c.remaining, "
                + "(SELECT COUNT(*) FROM redemptions r WHERE r.code = c.code AND r.status = 'REDEEMED') FROM coupons c "
                + "WHERE c.total_uses IS NOT NULL", rs -> {
                    n[0]++;
                    long expected = rs.getLong(2) - rs.getLong(4);
                    if (rs.getLong(3) != expected || rs.getLong(3) < 0) {
                        v.add(rs.getString(1) + ": remaining " + rs.getLong(3) + " but total " + rs.getLong(2)
                                + " - active uses " + rs.getLong(4) + " = " + expected);
                    }
                });
        return new Check("limited coupons: remaining = total - active uses >= 0", n[0], v);
    }

    private static Check balancesMatchLedger(DataSource points) throws Exception {
        List<String> v = new ArrayList<>();
        long[] n = {0};
        query(points, "SELECT a.customer_id, a.balance, COALESCE((SELECT SUM(l.delta) FROM ledger l "
                + "WHERE l.customer_id = a.customer_id), 0) FROM accounts a", rs -> {
                    n[0]++;
                    if (rs.getLong(2) != rs.getLong(3) || rs.getLong(2) < 0) {
                        v.add(rs.getString(1) + ": balance " + rs.getLong(2) + " but ledger sums to " + rs.getLong(3));
                    }
                });
        return new Check("each balance = the sum of its ledger, never negative", n[0], v);
    }

    private static Check cancelledOrdersMovedNoPoints(Map<String, Order> orders, DataSource points) throws Exception {
        Map<String, Long> net = new HashMap<>();
        query(points, "SELECT order_id, SUM(delta) FROM ledger WHERE order_id IS NOT NULL GROUP BY order_id",
                rs -> net.put(rs.getString(1), rs.getLong(2)));
        List<String> v = orders.values().stream().filter(o -> o.status().equals("CANCELLED"))
                .filter(o -> net.getOrDefault(o.id(), 0L) != 0)
                .map(o -> o.id() + " CANCELLED but moved " + net.get(o.id()) + " points").toList();
        return new Check("cancelled orders moved no points", orders.size(), v);
    }

    private static Check refunds(Map<String, Order> orders) {
        List<String> v = new ArrayList<>();
        for (Order o : orders.values()) {
            boolean refunded = "REFUNDED".equals(o.payment());
            if (o.status().equals("CANCELLED") && !refunded) {
                v.add(o.id() + " CANCELLED but its payment is " + o.payment());
            } else if (o.status().equals("COMPLETED") && refunded) {
                v.add(o.id() + " COMPLETED but its payment was refunded");
            }
        }
        return new Check("refunds = payments of CANCELLED orders (one each)", orders.size(), v);
    }

    private static Check notices(Map<String, Order> orders, DataSource notifications) throws Exception {
        Map<String, List<String>> kinds = new HashMap<>();
        query(notifications, "SELECT order_id, kind FROM notifications WHERE kind IN ('ORDER_CONFIRMED', 'ORDER_CANCELLED')",
                rs -> kinds.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2)));
        List<String> v = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Order o : orders.values()) {
            String expected = switch (o.status()) {
                case "COMPLETED" -> "ORDER_CONFIRMED";
                case "CANCELLED" -> "ORDER_CANCELLED";
                default -> null;
            };
            List<String> got = kinds.getOrDefault(o.id(), List.of());
            seen.add(o.id());
            if (expected == null ? !got.isEmpty() : !Objects.equals(got, List.of(expected))) {
                v.add(o.id() + " is " + o.status() + " but got notices " + got);
            }
        }
        kinds.keySet().stream().filter(id -> !seen.contains(id)).forEach(id -> v.add("notice for unknown order " + id));
        return new Check("one confirmation or cancellation notice per final order", orders.size(), v);
    }

    private interface RowHandler {
        void row(ResultSet rs) throws Exception;
    }

    private static void query(DataSource ds, String sql, RowHandler handler) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                handler.row(rs);
            }
        } 
    }
}
