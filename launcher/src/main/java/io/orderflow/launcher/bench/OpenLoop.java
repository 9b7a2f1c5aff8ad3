package io.orderflow.launcher.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.Timeout;

/**
 * Places plain orders at a fixed rate over a bounded number of connections, open loop: order {@code i} is
 * due at {@code start + i / rate}; a connection that is free takes the next due order, and its latency
 * counts from when it was due, not from when a connection became free. So a stall of the server shows as
 * latency (no coordinated omission), and the number of connections stays what a real client pool would use.
 * Each order has its own customer ({@code <prefix><i>}) and uses the once-per-customer coupon, so every
 * order can complete and the coupon and points services both do their work.
 */
final class OpenLoop implements AutoCloseable {

    /** What the server answered. {@code firstDueMillis} is the wall-clock time the first order was due. */
    record Result(int sent, int accepted, int failed, Histogram latencyMicros, long firstDueMillis, double sendSeconds) {

        double acceptedPerSecond() {
            return accepted / sendSeconds;
        }

        double ms(double percentile) {
            return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    private final CloseableHttpClient http;
    private final String ordersUrl;
    private final int connections;

    OpenLoop(String baseUrl, int connections) {
        // A blocking client: each of the `connections` threads sends on its own pooled connection, so the load
        // generator costs little CPU of the 2 cores it shares with the stack (the JDK's HttpClient took about
        // 0.5 ms of CPU per request, 0.3 cores at 540 req/s). No retries, redirects, cookies or compression.
        this.http = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setMaxConnTotal(connections).setMaxConnPerRoute(connections)
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(Timeout.ofSeconds(5))
                                .setSocketTimeout(Timeout.ofSeconds(30)).build())
                        .build())
                .disableAutomaticRetries().disableRedirectHandling().disableCookieManagement()
                .disableContentCompression().disableAuthCaching().disableConnectionState()
                .build();
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
        HttpPost post = new HttpPost(ordersUrl);
        post.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
        try {
            return http.execute(post, response -> {
                EntityUtils.consume(response.getEntity());
                return response.getCode() == 202;
            });
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        http.close();
    }
}
