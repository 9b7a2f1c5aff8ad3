package io.orderflow.launcher.demo;

import io.orderflow.launcher.drill.HistoryChecker;
import io.orderflow.launcher.drill.OrderWorkload;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;

/**
 * Reference 000/004 (peak shaving): a flash sale sends more orders than a downstream step can take; the
 * queue absorbs the peak and the step consumes at its own pace ({@code CONSUMER_MAX_RECORDS_PER_SECOND}).
 */
final class PeakShavingDemo implements Demo {

    /**
     * The cap of points-service in records/s ({@code --cap}). The scene is 10,000 orders in 2 s against a
     * cap of 500/s ({@code --orders 10000 --seconds 2 --cap 500}); on a shared 2-core machine the checkout itself
     * (one fsync'd commit per order) cannot accept 5,000 orders/s, so by default the burst is one it can accept
     * (150 orders/s), three times the cap.
     */
    static int cap(Options o) {
        return o.integer("cap", 50, 40);
    }
    private static final String CAPPED = "points-service";

    @Override
    public String name() {
        return "peak-shaving";
    }

    @Override
    public String title() {
        return "the flash sale: a burst of orders 3x faster than points-service may consume (capped)";
    }

    @Override
    public Map<String, Map<String, String>> ownStackEnv(Options options) {
        // The saga waits for the slow step instead of timing it out (its default deadline is 30 s).
        return Map.of(CAPPED, Map.of("CONSUMER_MAX_RECORDS_PER_SECOND", Integer.toString(cap(options))),
                "order-service", Map.of("SAGA_STEP_DEADLINE", "300s"));
    }

    /** Percent of orders asking for FLASH100 (also once per customer): enough to use all 100, never the whole burst. */
    private static int flashShare(int orders) {
        return Math.max(5, Math.min(50, 30_000 / Math.max(1, orders)));
    }

    @Override
    public String notOnExternalStack() {
        return "it needs points-service capped (CONSUMER_MAX_RECORDS_PER_SECOND), a fresh FLASH100 (100 uses, which it spends) and the four databases for its checks";
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        int orders = out.options().integer("orders", 1_500, 400);
        double burstSeconds = out.options().integer("seconds", 10, 4);
        int cap = cap(out.options());
        out.say("Sends %,d orders in %.0f s (open loop, %.0f/s; %d %% of them want FLASH100, which has 100 uses);",
                orders, burstSeconds, orders / burstSeconds, flashShare(orders));
        out.say("points-service applies at most %d records/s (CONSUMER_MAX_RECORDS_PER_SECOND), the others are not capped.", cap);
        Load load = Load.startManyCustomers(stack.orders(), orders / burstSeconds, orders,
                new OrderWorkload.Mix(flashShare(orders), 0, 0, 0));
        List<Double> t = new ArrayList<>();
        List<Double> consumed = new ArrayList<>();
        List<Double> lag = new ArrayList<>();
        long t0 = load.startNanos;
        CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
            try (Admin admin = stack.admin()) {
                double lastApplied = Metrics.read(stack.url(CAPPED), Metrics.CONSUMER_APPLIED);
                long lastAt = System.nanoTime();
                boolean sawLag = false;
                while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(300)) {
                    Thread.sleep(1000); // a sampling period
                    double applied = Metrics.read(stack.url(CAPPED), Metrics.CONSUMER_APPLIED);
                    long now = System.nanoTime();
                    long l = Groups.lag(admin, CAPPED, Topics.PAYMENTS_EVENTS.name());
                    t.add((now - t0) / 1e9);
                    consumed.add((applied - lastApplied) / ((now - lastAt) / 1e9));
                    lag.add((double) l);
                    lastApplied = applied;
                    lastAt = now;
                    sawLag |= l > 0;
                    if (sawLag && l == 0 && now - t0 > TimeUnit.SECONDS.toNanos(5)) {
                        return;
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        var history = load.await();
        HistoryChecker.Report report = load.check(Load.databases(stack), Duration.ofSeconds(180));
        sampler.join();
        long p50 = load.workload.latencyMicros().getValueAtPercentile(50) / 1000;
        long p99 = load.workload.latencyMicros().getValueAtPercentile(99) / 1000;
        double sendSeconds = history.entries().stream().mapToLong(e -> e.endNanos() - t0).max().orElse(0) / 1e9;
        double peakLag = lag.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        double maxRate = consumed.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        // The cap holds over the backlog as a whole; a short window may hold one poll batch (cap / 5 records) more.
        double max3s = 0;
        for (int i = 2; i < consumed.size(); i++) {
            max3s = Math.max(max3s, (consumed.get(i) + consumed.get(i - 1) + consumed.get(i - 2)) / 3);
        }
        double backlogSeconds = 0;
        double backlogApplied = 0;
        for (int i = 1; i < consumed.size(); i++) {
            if (lag.get(i - 1) > 0) {
                double dt = t.get(i) - t.get(i - 1);
                backlogSeconds += dt;
                backlogApplied += consumed.get(i) * dt;
            }
        }
        double sustained = backlogSeconds == 0 ? 0 : backlogApplied / backlogSeconds;
        double drained = t.isEmpty() ? 0 : t.get(t.size() - 1);
        long flash = DuplicatesDemo.one(stack, "coupon-service",
                "SELECT COUNT(*) FROM redemptions WHERE code = 'FLASH100' AND status = 'REDEEMED'");
        int secs = (int) Math.ceil(drained) + 1;
        var file = Charts.timeSeries(out.picturePath("peak-shaving.png"),
                String.format("Flash sale: %,d orders in %.0f s; points-service consumes at ≤ %d/s, its lag absorbs the peak",
                        orders, burstSeconds, cap),
                "time since the sale started (s)", "records or orders per second", "points-service lag (records)",
                List.of(new Charts.Line("offered: orders sent per second", Load.seconds(secs), load.sentPerSecond(secs), false),
                        new Charts.Line("orders answered 202 per second", Load.seconds(secs), load.acceptedPerSecond(secs), false),
                        new Charts.Line("points-service cap (" + cap + "/s)", List.of(0.0, (double) secs),
                                List.of((double) cap, (double) cap), false),
                        new Charts.Line("consumed by points-service per second", t, consumed, false),
                        new Charts.Line("lag of points-service on payments.events (right axis)", t, lag, true)));
        out.say("POST /orders: p50 %d ms, p99 %d ms (all %,d answered within %.1f s)", p50, p99, history.entries().size(), sendSeconds);
        out.say("points-service: lag peaked at %,.0f records and was 0 again after %.0f s", peakLag, drained);
        out.say("outcomes %s; all final %.1f s after the sale", report.outcomes(), report.settleMillis() / 1000.0);
        out.check(sustained <= cap * 1.03 && max3s <= cap * (1 + 1.0 / 15) + 1, "the capped step kept to its rate: %.1f/s while"
                + " it had a backlog (cap %d/s); busiest 3 s %.0f/s, busiest 1 s %.0f/s (one poll batch of %d more)", sustained, cap,
                max3s, maxRate, Math.max(1, cap / 5));
        out.check(peakLag > cap, "the queue absorbed the peak (lag %.0f records)", peakLag);
        out.check(p50 < drained * 1000 / 2, "the caller did not wait for the slow step: POST p50 %.1f s, the backlog took %.0f s",
                p50 / 1000.0, drained);
        out.check(report.ok(), "every accepted order final, none lost, stuck or doubled (%d accepted)", report.accepted());
        out.check(flash == 100, "FLASH100 used exactly 100 times (%d)", flash);
        out.picture(file.toString());
        out.say("Why: the reference's 00:00 flash sale. Without the queue the slow step would take the peak itself;");
        out.say("with it, checkout stays fast and the slow step drains the backlog at the rate it can take.");
        out.headline("%,d orders in %.0f s, POST p99 %d ms, lag peak %,.0f, drained at %.1f/s (cap %d), FLASH100 × %d", orders,
                burstSeconds, p99, peakLag, sustained, cap, flash);
    }
}
