package io.orderflow.launcher.demo;

import io.orderflow.launcher.drill.FlowDatabases;
import io.orderflow.launcher.drill.History;
import io.orderflow.launcher.drill.HistoryChecker;
import io.orderflow.launcher.drill.OrderWorkload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The drills' open-loop workload and checker, for the demos that put load on the stack. */
final class Load {

    final OrderWorkload.Settings settings;
    final OrderWorkload workload;
    private final CompletableFuture<History> done;
    final long startNanos = System.nanoTime();

    private Load(OrderWorkload.Settings settings) {
        this.settings = settings;
        this.workload = new OrderWorkload(settings);
        this.done = CompletableFuture.supplyAsync(() -> {
            try {
                return workload.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /** Starts placing {@code orders} orders at {@code rate}/s in the background. */
    static Load start(String baseUrl, double rate, int orders, OrderWorkload.Mix mix) {
        return new Load(OrderWorkload.Settings.of(baseUrl, rate, orders, mix));
    }

    /** As {@link #start}, with a customer for every order (FLASH100 is once per customer: a small pool caps its uses). */
    static Load startManyCustomers(String baseUrl, double rate, int orders, OrderWorkload.Mix mix) {
        OrderWorkload.Settings s = OrderWorkload.Settings.of(baseUrl, rate, orders, mix);
        return new Load(new OrderWorkload.Settings(s.baseUrl(), s.ratePerSecond(), s.orders(), s.mix(), Math.max(10, orders),
                s.runId(), s.requestTimeout(), s.seed()));
    }

    History await() {
        return done.join();
    }

    /** Every order placed is final and every invariant holds (waits up to {@code settle}). */
    HistoryChecker.Report check(FlowDatabases dbs, Duration settle) throws Exception {
        return HistoryChecker.check(await(), settings.runId(), dbs, settle);
    }

    static FlowDatabases databases(DemoStack stack) {
        return FlowDatabases.of(stack.db("order-service"), stack.db("coupon-service"), stack.db("points-service"),
                stack.db("notification-service"));
    }

    /** 202 answers per second since the start, for a chart ({@code seconds} buckets). */
    List<Double> acceptedPerSecond(int seconds) {
        double[] buckets = new double[seconds];
        for (History.Entry e : workload.history().entries()) {
            int s = (int) ((e.endNanos() - startNanos) / 1_000_000_000L);
            if (e.accepted() && s >= 0 && s < seconds) {
                buckets[s]++;
            }
        }
        List<Double> list = new ArrayList<>();
        for (double b : buckets) {
            list.add(b);
        }
        return list;
    }

    /** Requests sent (scheduled) per second since the start: the offered load. */
    List<Double> sentPerSecond(int seconds) {
        double[] buckets = new double[seconds];
        for (History.Entry e : workload.history().entries()) {
            int s = (int) ((e.startNanos() - startNanos) / 1_000_000_000L);
            if (s >= 0 && s < seconds) {
                buckets[s]++;
            }
        }
        List<Double> list = new ArrayList<>();
        for (double b : buckets) {
            list.add(b);
        }
        return list;
    }

    static List<Double> seconds(int n) {
        List<Double> x = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            x.add(i + 0.5);
        }
        return x;
    }
}
