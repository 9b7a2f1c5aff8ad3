package io.orderflow.order.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.order.Checkout;
import io.orderflow.order.OrderRecord;
import io.orderflow.order.OrderWaiters;
import io.orderflow.order.Orders;
import io.orderflow.platform.crash.CrashPoints;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.failure.Failures;
import io.orderflow.platform.http.HttpApi;
import io.orderflow.platform.http.Json;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.http.Request;
import io.orderflow.platform.http.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.regex.Pattern;

import java.util.concurrent.TimeUnit;

/**
 * {@code POST /orders} answers 202 as soon as the order, its payment and its event are committed;
 * {@code GET /orders/{id}} shows the status, the reason and the step timeline, and with
 * {@code ?waitSeconds=N} holds the answer until the status is final or N seconds passed. Waiting
 * answers (long-polls, the event stream) run on the HTTP server's long-running pool, never on the
 * workers that answer POST /orders.
 */
public final class OrderApi {

    public static final int MAX_WAIT_SECONDS = 30;
    public static final int MAX_STREAM_SECONDS = 120;
    public static final int HEARTBEAT_SECONDS = 15;
    public static final int MAX_IDEMPOTENCY_KEY = 200;
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1," + MAX_IDEMPOTENCY_KEY + "}");

    private final Database db;
    private final Checkout checkout;
    private final OrderWaiters waiters;

    public OrderApi(Database db, Checkout checkout, OrderWaiters waiters) {
        this.db = db;
        this.checkout = checkout;
        this.waiters = waiters;
    }

    public void register(HttpApi http) {
        http.post("/orders", this::place);
        http.get("/orders/{orderId}", this::get);
        http.get("/orders/{orderId}/events", this::events);
    }

    private Response place(Request request) throws Exception {
        JsonNode json = request.json();
        PlaceOrderRequest order = PlaceOrderRequest.parse(json);
        String key = idempotencyKey(request);
        Checkout.Placed placed = databaseCall(() -> checkout.place(order, key, hash(json)));
        CrashPoints.hit(CrashPoints.CHECKOUT_AFTER_COMMIT);
        return Response.json(202, OrderView.of(placed.order()))
                .withHeader("Location", "/orders/" + placed.order().orderId());
    }

    /** Optional; printable ASCII (what a UUID or any client-made token is), at most the column's 200. */
    private static String idempotencyKey(Request request) {
        String key = request.header("Idempotency-Key").map(String::trim).filter(k -> !k.isEmpty()).orElse(null);
        if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw Problem.badRequest("Idempotency-Key", "must be 1-" + MAX_IDEMPOTENCY_KEY + " printable ASCII characters");
        }
        return key;
    }

    /** The order now; with {@code waitSeconds}, a long-poll answered when it is final or the wait is over. */
    private Response get(Request request) throws Exception {
        String orderId = request.pathParam("orderId");
        int waitSeconds = request.queryParam("waitSeconds").map(OrderApi::waitSeconds).orElse(0);
        OrderRecord now = find(orderId);
        if (waitSeconds == 0 || now.isFinal()) {
            return Response.ok(OrderView.of(now));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        return Response.deferred(() -> {
            try {
                OrderRecord order = now;
                while (!order.isFinal() && System.nanoTime() < deadline) {
                    waiters.awaitChange(orderId, deadline);
                    order = find(orderId);
                }
                return Response.ok(OrderView.of(order));
            } finally {
                waiters.done(orderId);
            }
        });
    }

    /**
     * Server-Sent Events: the order now, then each change, until it is final (or
     * {@link #MAX_STREAM_SECONDS} passed). For the caller that wants the outcome of its own request
     * pushed rather than polled: {@code curl -N localhost:8080/orders/{id}/events}. A comment line
     * every {@link #HEARTBEAT_SECONDS} keeps idle proxies (and the server's idle timeout) from
     * closing a quiet stream.
     */
    private Response events(Request request) throws Exception {
        String orderId = request.pathParam("orderId");
        OrderRecord first = find(orderId);
        return Response.stream("text/event-stream", out -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(MAX_STREAM_SECONDS);
            OrderRecord order = first;
            java.time.Instant sent = null;
            long lastWrite = System.nanoTime();
            try {
                while (true) {
                    if (!order.updatedAt().equals(sent)) {
                        String json = Json.MAPPER.writeValueAsString(OrderView.of(order));
                        out.write(("event: order\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        sent = order.updatedAt();
                        lastWrite = System.nanoTime();
                    } else if (System.nanoTime() - lastWrite > TimeUnit.SECONDS.toNanos(HEARTBEAT_SECONDS)) {
                        out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                        lastWrite = System.nanoTime();
                    }
                    if (order.isFinal() || System.nanoTime() >= deadline) {
                        return;
                    }
                    waiters.awaitChange(orderId, deadline);
                    order = db.read(c -> Orders.find(c, orderId)).orElseThrow();
                }
            } finally {
                waiters.done(orderId);
            }
        });
    }

    private OrderRecord find(String orderId) throws Exception {
        return databaseCall(() -> db.read(c -> Orders.find(c, orderId)))
                .orElseThrow(() -> Problem.notFound("No order " + orderId));
    }

    private static int waitSeconds(String value) {
        try {
            int seconds = Integer.parseInt(value);
            if (seconds >= 0 && seconds <= MAX_WAIT_SECONDS) {
                return seconds;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw Problem.badRequest("waitSeconds", "must be a whole number from 0 to " + MAX_WAIT_SECONDS);
    }

    /** The request's identity for Idempotency-Key: the same key with another body is refused. */
    private static String hash(JsonNode json) throws Exception {
        byte[] canonical = Json.MAPPER.writeValueAsString(json).getBytes(StandardCharsets.UTF_8);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    }

    interface DbCall<T> {
        T call() throws Exception;
    }

    /**
     * Our own database down is the one case where checkout refuses: 503, try again later. Down means no
     * connection to be had, and also a connection that broke under the request (the server shut down or
     * restarted: SQLState 08, 57P0x), which a stop of PostgreSQL under load gives the requests in flight.
     */
    static <T> T databaseCall(DbCall<T> call) throws Exception {
        try {
            return call.call();
        } catch (SQLException e) {
            if (Failures.databaseUnreachable(e)) {
                throw new Problem(503, "Service unavailable", "The order database is unavailable; retry later");
            }
            throw e;
        }
    }

    /** The JSON shape of an order. */
    public record OrderView(String orderId, String status, String reason, String customerId, String currency,
                            long subtotalCents, String couponCode, long discountCents, long pointsRedeemed,
                            long amountCents, String payment, java.util.List<OrderRecord.Item> items,
                            java.util.List<OrderRecord.Step> steps, java.util.List<OrderRecord.StatusChange> timeline,
                            java.time.Instant createdAt, java.time.Instant updatedAt) {

        static OrderView of(OrderRecord o) {
            return new OrderView(o.orderId(), o.status(), o.reason(), o.customerId(), o.currency(), o.subtotalCents(),
                    o.couponCode(), o.discountCents(), o.pointsRedeemed(), o.amountCents(), o.paymentStatus(),
                    o.items(), o.steps(), o.history(), o.createdAt(), o.updatedAt());
        }
    }

}
