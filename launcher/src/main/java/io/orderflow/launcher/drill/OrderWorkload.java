package io.orderflow.launcher.drill;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Places orders at a fixed rate (open loop: a request is sent at its scheduled time whether or not
 * the earlier ones were answered, and its latency counts from that time, so a stall is never
 * hidden) with a realistic mix, and records every request and answer in a {@link History}.
 *
 * <p>The mix: plain orders; orders with a limited coupon (FLASH100: most of them must be refused
 * by coupon-service once it is used up, never oversold); orders with the once-per-customer coupon
 * (WELCOME10: a customer's second concurrent use is rejected); orders that redeem points (refused
 * when the customer has not earned enough yet); and a few invalid requests (an unknown coupon,
 * answered 400 at once). Each request carries its own {@code Idempotency-Key}, so the checker can
 * find whatever order it placed, even when no answer came.
 */
public final class OrderWorkload {

    /** Percentages of each kind of request (the rest are plain orders). */
    public record Mix(int flashCoupon, int welcomeCoupon, int points, int invalid) {

        /** 10 % FLASH100, 10 % WELCOME10, 15 % points, 2 % invalid, 63 % plain. */
        public static final Mix REALISTIC = new Mix(10, 10, 15, 2);
        /** Plain orders only: every one should complete (benchmarks). */
        public static final Mix PLAIN = new Mix(0, 0, 0, 0);
    }

    /**
     * @param baseUrl order-service, e.g. {@code http://127.0.0.1:8080}
     * @param ratePerSecond requests per second
     * @param orders how many requests in all
     * @param customers size of the customer pool (fewer customers: more points and coupon contention)
     * @param runId a prefix for customer ids and keys, unique per run
     */
    public record Settings(String baseUrl, double ratePerSecond, int orders, Mix mix, int customers, String runId,
                           Duration requestTimeout, long seed) {

        public static Settings of(String baseUrl, double ratePerSecond, int orders, Mix mix) {
            return new Settings(baseUrl, ratePerSecond, orders, mix, Math.max(10, orders / 5),
                    Long.toString(System.currentTimeMillis(), 36), Duration.ofSeconds(10), 42);
        }
    }

    private final Settings settings;
    private final HttpClient http;
    private final History history = new History();
    private final Histogram latencyMicros = new ConcurrentHistogram(TimeUnit.MINUTES.toMicros(5), 3);
    private final AtomicBoolean stopRequested = new AtomicBoolean();

    public OrderWorkload(Settings settings) {
        this.settings = settings;
        // HTTP/1.1: the JDK client would otherwise try an h2c upgrade on every new connection.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    public History history() {
        return history;
    }

    /** POST latency from the scheduled send time, of answered requests (any status), in microseconds. */
    public Histogram latencyMicros() {
        return latencyMicros;
    }

    /** Makes {@link #run()} stop scheduling new requests (those in flight still complete). */
    public void stop() {
        stopRequested.set(true);
    }

    /** Sends every request at its time and returns when all are answered or failed. */
    public History run() throws InterruptedException {
        Random random = new Random(settings.seed());
        long interval = (long) (TimeUnit.SECONDS.toNanos(1) / settings.ratePerSecond());
        long start = System.nanoTime();
        List<CompletableFuture<Void>> inFlight = new ArrayList<>();
        for (int i = 0; i < settings.orders() && !stopRequested.get(); i++) {
            long scheduled = start + i * interval;
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait); // the schedule itself: an open-loop load generator waits for its next slot
            }
            History.Request request = next(i, random);
            inFlight.add(send(request, scheduled));
            if (inFlight.size() > 10_000) {
                inFlight.removeIf(CompletableFuture::isDone);
            }
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
        return history;
    }

    private History.Request next(int seq, Random random) {
        Mix mix = settings.mix();
        String customer = settings.runId() + "-c" + random.nextInt(settings.customers());
        String key = settings.runId() + "-" + seq;
        int dice = random.nextInt(100);
        if ((dice -= mix.flashCoupon()) < 0) {
            return new History.Request(seq, key, customer, "FLASH100", 0, "flash-coupon");
        }
        if ((dice -= mix.welcomeCoupon()) < 0) {
            return new History.Request(seq, key, customer, "WELCOME10", 0, "welcome-coupon");
        }
        if ((dice -= mix.points()) < 0) {
            return new History.Request(seq, key, customer, null, 10 + random.nextInt(30), "points");
        }
        if ((dice - mix.invalid()) < 0) {
            return new History.Request(seq, key, customer, "NO-SUCH-COUPON", 0, "invalid");
        }
        return new History.Request(seq, key, customer, null, 0, "plain");
    }

    static String body(History.Request r) {
        return "{\"customerId\":\"" + r.customerId() + "\",\"currency\":\"USD\",\"items\":[{\"sku\":\"BOOK-1\","
                + "\"quantity\":2,\"unitPriceCents\":1999}]"
                + (r.couponCode() == null ? "" : ",\"couponCode\":\"" + r.couponCode() + "\"")
                + ",\"pointsToRedeem\":" + r.pointsToRedeem() + "}";
    }

    private CompletableFuture<Void> send(History.Request request, long scheduled) {
        HttpRequest post = HttpRequest.newBuilder(URI.create(settings.baseUrl() + "/orders"))
                .timeout(settings.requestTimeout())
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", request.idempotencyKey())
                .POST(HttpRequest.BodyPublishers.ofString(body(request)))
                .build();
        return http.sendAsync(post, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
            long end = System.nanoTime();
            if (failure != null) {
                history.add(new History.Entry(request, 0, null, scheduled, end, failure.toString()));
                return null;
            }
            latencyMicros.recordValue(Math.max(0, (end - scheduled) / 1_000));
            String orderId = null;
            if (response.statusCode() == 202) {
                try {
                    JsonNode json = Json.MAPPER.readTree(response.body());
                    orderId = json.path("orderId").asText(null);
                } catch (Exception e) {
                    history.add(new History.Entry(request, 0, null, scheduled, end, "202 with an unreadable body: " + e));
                    return null;
                }
            }
            history.add(new History.Entry(request, response.statusCode(), orderId, scheduled, end, null));
            return null;
        });
    }
}
