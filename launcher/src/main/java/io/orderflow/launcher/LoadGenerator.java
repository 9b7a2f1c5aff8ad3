package io.orderflow.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Places orders at a fixed rate against a running order-service and reports what a benchmark needs:
 * POST latency percentiles (measured from each request's scheduled start, so a stall is not hidden
 * by coordinated omission), then how long until every order was final, and the outcomes.
 * A benchmark tool, not a test: {@code java -jar orderflow.jar load --orders 5000 --rate 500}.
 */
public final class LoadGenerator {

    /** @param couponCode null for none; each order has its own customer, so a coupon is used once per customer */
    public record Settings(String baseUrl, int orders, int ratePerSecond, int concurrency, String couponCode,
                           Duration finalTimeout) {
    }

    public record Result(Histogram postLatencyMicros, int accepted, int failed, double sendSeconds,
                         double allFinalSeconds, Map<String, Integer> outcomes) {

        public void print(java.io.PrintStream out) {
            out.printf("POST /orders: %d accepted, %d failed in %.1f s (%.0f/s)%n", accepted, failed, sendSeconds,
                    accepted / sendSeconds);
            out.printf("  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n", ms(50), ms(90), ms(99), ms(99.9),
                    postLatencyMicros.getMaxValue() / 1000.0);
            out.printf("All orders final %.1f s after the first POST: %.0f sagas/s; outcomes %s%n", allFinalSeconds,
                    accepted / allFinalSeconds, outcomes);
        }

        private double ms(double percentile) {
            return postLatencyMicros.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private LoadGenerator() {
    }

    public static Result run(Settings s) throws Exception {
        // HTTP/1.1: the JDK client would otherwise try an h2c upgrade on every new connection.
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService workers = Executors.newFixedThreadPool(s.concurrency());
        Histogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        List<String> orderIds = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(s.orders());
        String run = Long.toString(System.currentTimeMillis(), 36);
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / s.ratePerSecond();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < s.orders(); i++) {
                long scheduled = start + i * intervalNanos;
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                String body = "{\"customerId\":\"load-" + run + "-" + i + "\",\"currency\":\"USD\",\"items\":[{\"sku\":\"BOOK-1\","
                        + "\"quantity\":2,\"unitPriceCents\":1999}]"
                        + (s.couponCode() == null ? "" : ",\"couponCode\":\"" + s.couponCode() + "\"") + "}";
                workers.execute(() -> {
                    try {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/orders"))
                                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        latency.recordValue(Math.max(0, (System.nanoTime() - scheduled) / 1000));
                        if (r.statusCode() == 202) {
                            orderIds.add(Json.MAPPER.readTree(r.body()).get("orderId").asText());
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    } finally {
                        done.countDown();
                    }
                });
            }
            done.await();
            double sendSeconds = (System.nanoTime() - start) / 1e9;
            Map<String, Integer> outcomes = awaitFinal(http, workers, s, orderIds);
            double finalSeconds = (System.nanoTime() - start) / 1e9;
            return new Result(latency, orderIds.size(), failed.get(), sendSeconds, finalSeconds, outcomes);
        } finally {
            workers.shutdownNow();
        }
    }

    private static Map<String, Integer> awaitFinal(HttpClient http, ExecutorService workers, Settings s, List<String> orderIds)
            throws Exception {
        Map<String, Integer> outcomes = new ConcurrentHashMap<>();
        CountDownLatch checked = new CountDownLatch(orderIds.size());
        long deadline = System.nanoTime() + s.finalTimeout().toNanos();
        for (String orderId : List.copyOf(orderIds)) {
            workers.execute(() -> {
                String status = "UNKNOWN";
                try {
                    while (System.nanoTime() < deadline) {
                        JsonNode order = Json.MAPPER.readTree(http.send(HttpRequest.newBuilder(
                                URI.create(s.baseUrl() + "/orders/" + orderId + "?waitSeconds=10"))
                                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()).body());
                        status = order.get("status").asText();
                        if (!status.equals("PENDING") && !status.equals("COMPENSATING")) {
                            break;
                        }
                    }
                } catch (Exception e) {
                    status = "ERROR";
                } finally {
                    outcomes.merge(status, 1, Integer::sum);
                    checked.countDown();
                }
            });
        }
        checked.await();
        return Map.copyOf(outcomes);
    }
}
