package io.orderflow.launcher.demo;

import io.orderflow.launcher.drill.History;
import io.orderflow.launcher.drill.HistoryChecker;
import io.orderflow.launcher.drill.OrderWorkload;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Reference 001/002 (availability): the broker goes away; checkout does not. */
final class KafkaDownDemo implements Demo {

    @Override
    public String name() {
        return "kafka-down";
    }

    @Override
    public String title() {
        return "availability: Kafka stopped for 20 s, checkout still answers 202, the outbox holds the events";
    }

    @Override
    public String notOnExternalStack() {
        return "it stops and restarts the Kafka broker and reads order-service's outbox table";
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        int before = 5;
        int down = out.count(20, 8);
        int after = 5;
        int rate = 20;
        int total = before + down + after;
        out.say("Places %d orders/s for %d s; Kafka is stopped from %d s to %d s (same port and data when it is back).",
                rate, total, before, before + down);
        Load load = Load.start(stack.orders(), rate, rate * total, OrderWorkload.Mix.PLAIN);
        List<Double> t = new ArrayList<>();
        List<Double> depth = new ArrayList<>();
        long t0 = load.startNanos;
        CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> {
            try {
                while (!Thread.currentThread().isInterrupted() && (System.nanoTime() - t0) < (total + 40) * 1_000_000_000L) {
                    long d = outboxDepth(stack);
                    synchronized (t) {
                        t.add((System.nanoTime() - t0) / 1e9);
                        depth.add((double) d);
                    }
                    if (t.size() > 4 * (total + 2) && d == 0) {
                        return;
                    }
                    Thread.sleep(250); // a sampling period
                }
            } catch (Exception e) {
                // the chart ends here
            }
        });
        Waits.sleep(Duration.ofSeconds(before));
        long stopAt = System.nanoTime();
        stack.dev().kafka().stop();
        Waits.sleep(Duration.ofSeconds(down).minusNanos(System.nanoTime() - stopAt));
        long startAt = System.nanoTime();
        stack.dev().kafka().start();
        double backAfter = (System.nanoTime() - startAt) / 1e9;
        History history = load.await();
        HistoryChecker.Report report = load.check(Load.databases(stack), Duration.ofSeconds(90));
        sampler.join();
        double downFrom = (stopAt - t0) / 1e9;
        double downTo = (startAt - t0) / 1e9;
        long acceptedWhileDown = history.entries().stream().filter(History.Entry::accepted)
                .filter(e -> (e.endNanos() - t0) / 1e9 >= downFrom && (e.endNanos() - t0) / 1e9 <= downTo).count();
        double peak = depth.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        int secs = (int) Math.ceil(t.isEmpty() ? total : t.get(t.size() - 1)) + 1;
        var file = Charts.timeSeries(out.picturePath("kafka-down.png"),
                String.format("Kafka stopped from %.0f s to %.0f s: orders still accepted, the outbox holds the events, then drains",
                        downFrom, downTo),
                "time since the load started (s)", "rows in order-service's outbox", "orders answered 202 per second",
                List.of(new Charts.Line("outbox depth (rows)", t, depth, false),
                        new Charts.Line("202 per second", Load.seconds(secs), load.acceptedPerSecond(secs), true)));
        out.say("202 answers while Kafka was down: %d; outbox depth peaked at %.0f rows, then drained (Kafka back in %.1f s)",
                acceptedWhileDown, peak, backAfter);
        out.say("requests %d, accepted %d, refused %s, no answer %d; all final %.1f s after the load",
                report.attempted(), report.accepted(), report.refused(), report.indeterminate(), report.settleMillis() / 1000.0);
        out.check(acceptedWhileDown > 0, "checkout answered 202 while Kafka was down");
        out.check(peak > 0, "the outbox held the events meanwhile");
        out.check(report.ok(), "every accepted order is final, nothing lost or doubled (lost %d, stuck %d, dup %d)",
                report.lost(), report.stuck(), report.duplicateEffects());
        out.picture(file.toString());
        out.say("Why: POST /orders writes the order and its event in one DB transaction; the relay publishes later.");
        out.say("A broker outage delays the flow, it does not stop sales (the reference's availability cost, answered).");
        out.headline("%d × 202 while down, outbox peak %.0f rows, all %d final", acceptedWhileDown, peak, report.accepted());
    }

    /** Rows waiting in order-service's outbox. */
    static long outboxDepth(DemoStack stack) throws Exception {
        try (Connection c = stack.db("order-service").getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM outbox")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
