package io.orderflow.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Reference 000/001: the caller waits for the order to be accepted, not for coupon, points and SMS. */
final class AsyncDemo implements Demo {

    @Override
    public String name() {
        return "async";
    }

    @Override
    public String title() {
        return "answer now, finish later: POST latency vs time until the order is final";
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        int n = out.count(40, 15);
        String run = "async-" + Long.toString(System.currentTimeMillis(), 36);
        out.say("Places %d orders one after another (WELCOME10 coupon, points earned, SMS queued) and times", n);
        out.say("the POST's 202 and, by long-polling GET /orders/{id}, when the saga made the order final.");
        List<Double> post = new ArrayList<>();
        List<Double> toFinal = new ArrayList<>();
        int completed = 0;
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            String id = stack.place(Http.order(run + "-c" + i, "WELCOME10", 0));
            post.add((System.nanoTime() - t0) / 1e6);
            JsonNode order = stack.awaitFinal(id, Duration.ofSeconds(60));
            toFinal.add((System.nanoTime() - t0) / 1e6);
            completed += order.path("status").asText().equals("COMPLETED") ? 1 : 0;
        }
        double postP50 = pct(post, 50);
        double finalP50 = pct(toFinal, 50);
        out.say("POST /orders → 202:        p50 %5.0f ms, p99 %5.0f ms", postP50, pct(post, 99));
        out.say("POST → order final:        p50 %5.0f ms, p99 %5.0f ms  (payment, coupon, points, saga, in the background)",
                finalP50, pct(toFinal, 99));
        out.say("The reference's synchronous chain answers only after every step: 50 + 50 + 50 ms of calls on top of");
        out.say("the checkout, and any slow or failing step (an SMS retried 3x: +200 ms) lands on the caller.");
        out.check(completed == n, "%d of %d orders COMPLETED", completed, n);
        out.check(postP50 < finalP50, "the caller waits %.0f ms (p50), %.1fx less than the whole flow takes", postP50,
                finalP50 / Math.max(1, postP50));
        out.headline("POST p50 %.0f ms vs final p50 %.0f ms", postP50, finalP50);
    }

    static double pct(List<Double> values, double p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
