package io.orderflow.launcher.drill;

import io.orderflow.launcher.InvariantChecker;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Compares a drill's {@link History} with what the four databases say, after the system was given
 * time to settle:
 * <ul>
 *   <li><b>lost</b>: answered 202, but no such order exists (the promise of the 202 was broken);</li>
 *   <li><b>phantom</b>: answered with a refusal (400, 503...), yet an order exists for its key;</li>
 *   <li><b>stuck</b>: an order that exists but has no final status;</li>
 *   <li><b>duplicate effects</b>: a status entered twice, points applied or reversed twice;</li>
 *   <li><b>oversold</b>: a limited coupon used more often than it has uses;</li>
 *   <li>and the cross-service {@link InvariantChecker} (refunds, notices, balances...).</li>
 * </ul>
 * Indeterminate requests (no answer) may have placed their order or not; if they did, it must be
 * whole and final like any other.
 */
public final class HistoryChecker {

    private static final Set<String> FINAL = Set.of("COMPLETED", "CANCELLED", "FAILED");
    private static final String LIMITED_COUPON = "FLASH100";

    /** An order of the run as its database holds it. */
    private record OrderRow(String orderId, String status, Instant createdAt) {
    }

    /**
     * What a drill measured and found.
     *
     * @param settleMillis from the start of the settle wait until every order of the run was final (or the limit)
     * @param longestToFinalMillis the longest time from an order's creation to its final status
     * @param longestAcceptGapMillis the longest time without a 202 while requests kept coming (write stall)
     */
    public record Report(long attempted, long accepted, Map<Integer, Long> refused, long indeterminate,
                         long indeterminatePlaced, long lost, long phantom, long stuck, long duplicateEffects,
                         long oversold, Map<String, Long> outcomes, long settleMillis, long longestToFinalMillis,
                         long longestAcceptGapMillis, List<String> violations, InvariantChecker.Report invariants) {

        public boolean ok() {
            return lost == 0 && phantom == 0 && stuck == 0 && duplicateEffects == 0 && oversold == 0
                    && invariants.ok();
        }

        public void print(PrintStream out) {
            out.printf("requests %d: %d accepted (202), refused %s, %d without answer (%d of them placed)%n",
                    attempted, accepted, refused, indeterminate, indeterminatePlaced);
            out.printf("outcomes %s; all final %.1f s after the load; longest POST→final %.1f s; longest write stall %.1f s%n",
                    outcomes, settleMillis / 1000.0, longestToFinalMillis / 1000.0, longestAcceptGapMillis / 1000.0);
            out.printf("lost %d, phantom %d, stuck %d, duplicate effects %d, oversold %d → %s%n", lost, phantom, stuck,
                    duplicateEffects, oversold, ok() ? "PASS" : "FAIL");
            violations.stream().limit(20).forEach(v -> out.println("  - " + v));
            if (violations.size() > 20) {
                out.println("  ... and " + (violations.size() - 20) + " more");
            }
            invariants.print(out);
        }
    }

    private HistoryChecker() {
    }

    /**
     * Waits (up to {@code settleLimit}) until every order the history placed is final, then checks.
     *
     * @param runId the prefix of the run's Idempotency-Keys ({@link OrderWorkload.Settings#runId()})
     */
    public static Report check(History history, String runId, FlowDatabases dbs, Duration settleLimit) throws Exception {
        long settleStart = System.nanoTime();
        long deadline = settleStart + settleLimit.toNanos();
        Map<String, OrderRow> byKey = ordersOfRun(dbs.orders(), runId);
        while (byKey.values().stream().anyMatch(o -> !FINAL.contains(o.status())) && System.nanoTime() < deadline) {
            Thread.sleep(250); // polling another process's database: nothing to wait on but time
            byKey = ordersOfRun(dbs.orders(), runId);
        }
        long settleMillis = (System.nanoTime() - settleStart) / 1_000_000;

        List<String> violations = new ArrayList<>();
        long lost = 0;
        long phantom = 0;
        long indeterminatePlaced = 0;
        for (History.Entry e : history.entries()) {
            OrderRow row = byKey.get(e.request().idempotencyKey());
            if (e.accepted() && row == null) {
                lost++;
                violations.add("lost: " + e.request().idempotencyKey() + " answered 202 (order " + e.orderId()
                        + ") but no such order exists");
            } else if (e.accepted() && !row.orderId().equals(e.orderId())) {
                lost++;
                violations.add("mixed up: " + e.request().idempotencyKey() + " answered order " + e.orderId()
                        + " but the database holds " + row.orderId());
            } else if (e.refused() && row != null) {
                phantom++;
                violations.add("phantom: " + e.request().idempotencyKey() + " answered " + e.status()
                        + " but order " + row.orderId() + " exists");
            } else if (e.indeterminate() && row != null) {
                indeterminatePlaced++;
            }
        }
        List<String> notFinal = byKey.values().stream().filter(o -> !FINAL.contains(o.status()))
                .map(o -> "stuck: order " + o.orderId() + " is " + o.status()).toList();
        violations.addAll(notFinal);

        Map<String, Long> outcomes = new HashMap<>();
        byKey.values().forEach(o -> outcomes.merge(o.status(), 1L, Long::sum));
        Set<String> orderIds = new java.util.HashSet<>();
        byKey.values().forEach(o -> orderIds.add(o.orderId()));

        List<String> duplicates = duplicateEffects(dbs, orderIds);
        violations.addAll(duplicates);
        List<String> oversold = oversold(dbs.coupons());
        violations.addAll(oversold);

        return new Report(history.entries().size(), history.accepted(), history.refusedByStatus(), history.indeterminate(),
                indeterminatePlaced, lost, phantom, notFinal.size(), duplicates.size(), oversold.size(), outcomes,
                settleMillis, longestToFinal(dbs.orders(), orderIds), history.longestAcceptGapMillis(),
                List.copyOf(violations), InvariantChecker.check(dbs.orders(), dbs.coupons(), dbs.points(),
                        dbs.notifications()));
    }

    private static Map<String, OrderRow> ordersOfRun(DataSource orders, String runId) throws SQLException {
        Map<String, OrderRow> byKey = new HashMap<>();
        try (Connection c = orders.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT idempotency_key, order_id, status, created_at FROM orders WHERE idempotency_key LIKE ?")) {
            ps.setString(1, runId.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "-%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byKey.put(rs.getString(1), new OrderRow(rs.getString(2), rs.getString(3),
                            rs.getTimestamp(4).toInstant()));
                }
            }
        }
        return byKey;
    }

    /** Effects that must happen at most once per order: each status, each ledger movement. */
    private static List<String> duplicateEffects(FlowDatabases dbs, Set<String> orderIds) throws SQLException {
        List<String> v = new ArrayList<>();
        FlowDatabases.query(dbs.orders(), "SELECT order_id, status, COUNT(*) FROM order_status_history GROUP BY order_id, status "
                + "HAVING COUNT(*) > 1", rs -> {
                    if (orderIds.contains(rs.getString(1))) {
                        v.add("order " + rs.getString(1) + " entered " + rs.getString(2) + " " + rs.getLong(3) + " times");
                    }
                });
        // An order's points step writes one REDEEM and one EARN; undoing it one REVERSE for each.
        FlowDatabases.query(dbs.points(), "SELECT order_id, kind, COUNT(*) FROM ledger WHERE order_id IS NOT NULL GROUP BY order_id, kind "
                + "HAVING (kind IN ('REDEEM', 'EARN') AND COUNT(*) > 1) OR (kind = 'REVERSE' AND COUNT(*) > 2)", rs -> {
                    if (orderIds.contains(rs.getString(1))) {
                        v.add("order " + rs.getString(1) + ": " + rs.getLong(3) + " ledger rows of kind " + rs.getString(2));
                    }
                });
        return v;
    }

    private static List<String> oversold(DataSource coupons) throws SQLException {
        List<String> v = new ArrayList<>();
        FlowDatabases.query(coupons, "SELECT c.total_uses, (SELECT COUNT(*) FROM redemptions r WHERE r.code = c.code AND "
                + "r.status = 'REDEEMED') FROM coupons c WHERE c.code = '" + LIMITED_COUPON + "'", rs -> {
                    if (rs.getLong(2) > rs.getLong(1)) {
                        v.add(LIMITED_COUPON + " has " + rs.getLong(1) + " uses but " + rs.getLong(2) + " active redemptions");
                    }
                });
        return v;
    }

    private static long longestToFinal(DataSource orders, Set<String> orderIds) throws SQLException {
        long[] longest = {0};
        FlowDatabases.query(orders, "SELECT o.order_id, o.created_at, MIN(h.occurred_at) FROM orders o JOIN order_status_history h "
                + "ON h.order_id = o.order_id AND h.status IN ('COMPLETED', 'CANCELLED', 'FAILED') "
                + "GROUP BY o.order_id, o.created_at", rs -> {
                    if (orderIds.contains(rs.getString(1))) {
                        long millis = Duration.between(rs.getTimestamp(2).toInstant(), rs.getTimestamp(3).toInstant())
                                .toMillis();
                        longest[0] = Math.max(longest[0], millis);
                    }
                });
        return longest[0];
    }

    /** The report's figures as one row of a drill table. */
    public static String row(String name, Report r) {
        return String.format("| %-14s | %6d | %6d | %7s | %4d | %5d | %4d | %8d | %7d | %8.1f | %7.1f | %-6s |", name,
                r.attempted(), r.accepted(), r.refused().values().stream().mapToLong(Long::longValue).sum() + "",
                r.lost(), r.stuck(), r.duplicateEffects(), r.oversold(), r.phantom(), r.longestToFinalMillis() / 1000.0,
                r.longestAcceptGapMillis() / 1000.0, r.ok() ? "PASS" : "FAIL");
    }

    public static String header() {
        return "| fault          |  tried |    202 | refused | lost | stuck |  dup | oversold | phantom | →final s | stall s | result |";
    }
}
