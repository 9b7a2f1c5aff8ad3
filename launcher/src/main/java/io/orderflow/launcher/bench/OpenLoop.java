package io.orderflow.launcher.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Places plain orders at a fixed rate over a bounded number of connections, open loop: order {@code i} is
 * due at {@code start + i / rate}; a connection that is free takes the next due order, and its latency
 * counts from when it was due, not from when a connection became free. So a stall of the server shows as
 * latency (no coordinated omission), and the number of connections stays what a real client pool would use.
 * Each order has its own customer ({@code <prefix><i>}) and uses the once-per-customer coupon, so every
 * order can complete and the coupon and points services both do their work.
 */
final class OpenLoop {

    /** What the server answered. {@code firstDueMillis} is the wall-clock time the first order was due. */
    record Result(int sent, int accepted, int failed, Histogram latencyMicros, long firstDueMillis, double sendSeconds) {

        double acceptedPerSecond() {
            return accepted / sendSeconds;
        }

        double ms(double percentile) {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private final HttpClient http;
    private final String ordersUrl;
    private final int connections;

    OpenLoop(String baseUrl, int connections) {
        // HTTP/1.1: the JDK client would otherwise try an h2c upgrade on every new connection. Requests are sent
        // synchronously from `connections` threads, so the client never holds more connections than that.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        this.ordersUrl = baseUrl + "/orders";
        this.connections = connections;
    }

    /** Sends {@code orders} orders at {@code ratePerSecond}; returns when every one was answered or failed. */
    Result run(String customerPrefix, int orders, double ratePerSecond) throws InterruptedException {
        Histogram latency = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long intervalNanos = (long) (TimeUnit.SECONDS.toNanos(1) / ratePerSecond);
        long firstDueMillis = System.currentTimeMillis() + 20;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Thread thread = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < orders; i = next.getAndIncrement()) {
                    long due = start + i * intervalNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait); // the schedule: an open-loop client waits for the order's slot
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    if (send(customerPrefix + i)) {
                        accepted.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                    latency.recordValue(Math.max(0, (System.nanoTime() - due) / 1_000));
                }
            }, "bench-conn-" + c);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(orders, accepted.get(), failed.get(), latency, firstDueMillis, seconds);
    }

    private boolean send(String customerId) {
        String body = "{\"customerId\":\"" + customerId + "\",\"currency\":\"USD\",\"items\":[{\"sku\":\"BOOK-1\","
                + "\"quantity\":2,\"unitPriceCents\":1999}],\"couponCode\":\"WELCOME10\",\"pointsToRedeem\":0}";
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(ordersUrl)).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 202;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }
}
