package io.orderflow.order.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.orderflow.events.CouponDefinition;
import io.orderflow.events.PointsRejected;
import io.orderflow.events.PointsRejectionReason;
import io.orderflow.order.OrderService;
import io.orderflow.order.OrderServiceConfig;
import io.orderflow.platform.db.Database;
import io.orderflow.platform.http.Json;
import io.orderflow.platform.http.RawHttp;
import io.orderflow.platform.testing.ServiceStack;
import io.orderflow.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * order-service's HTTP surface against hostile requests, on the real embedded Kafka, registry and
 * database. Every shape in {@link #hostile()} must get its precise 4xx as problem+json naming the
 * field, write nothing (no order, no payment, no event), and leave the service healthy.
 */
class HostileRequestsIT {

    private static final String VALID = """
            {"customerId":"c-1","currency":"USD","items":[{"sku":"BOOK-1","quantity":2,"unitPriceCents":1999}]}""";

    private static ServiceStack stack;
    private static OrderService service;
    private static int port;

    /** One hostile request: what is sent, and the answer it must get ({@code field} null: no field to name). */
    record Hostile(String name, String head, byte[] body, int status, String field) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void start() throws Exception {
        stack = ServiceStack.start();
        service = OrderService.create(OrderServiceConfig.fromEnv(stack.env()));
        service.start(); // creates the topics
        port = service.httpPort();
        // The catalog as coupon-service would publish it
        publishCoupon("VALID10", 1000, "USD", null);
        publishCoupon("OLD10", 1000, "USD", Instant.now().minusSeconds(3600));
        publishCoupon("EURO5", 500, "EUR", null);
        await("the coupon view holds the catalog").atMost(Duration.ofSeconds(30))
                .until(() -> service.couponView().find("EURO5").isPresent());
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    // ---- the table -----------------------------------------------------------------------------------

    static Stream<Hostile> hostile() {
        List<Hostile> cases = new ArrayList<>();
        // bodies
        cases.add(post("empty body", "", 400, "body"));
        cases.add(post("not JSON", "hello", 400, "body"));
        cases.add(post("an array", "[" + VALID + "]", 400, "body"));
        cases.add(post("null", "null", 400, "body"));
        cases.add(post("only whitespace", "  \n ", 400, "body"));
        cases.add(post("trailing garbage", VALID + " xyz", 400, "body"));
        cases.add(post("two documents concatenated", VALID + VALID, 400, "body"));
        cases.add(post("nesting 10,000 levels", "{\"customerId\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}", 400, "body"));
        cases.add(post("nesting 100,000 levels (over the size limit)", "[".repeat(100_000), 413, "body"));
        cases.add(raw("invalid UTF-8", json(VALID.replace("BOOK-1", "BOOK-\u0001").getBytes(StandardCharsets.UTF_8), 0xC3, 0x28), 400, "body"));
        cases.add(raw("overlong UTF-8 for '/'", json(VALID.replace("BOOK-1", "BOOK-\u0001").getBytes(StandardCharsets.UTF_8), 0xC0, 0xAF), 400, "body"));
        cases.add(raw("UTF-16 with a byte-order mark", post("/orders", "application/json",
                ("\uFEFF" + VALID).getBytes(StandardCharsets.UTF_16)), 400, "body"));
        cases.add(post("duplicate keys", "{\"customerId\":\"c-1\",\"customerId\":\"c-2\",\"currency\":\"USD\","
                + "\"items\":[{\"sku\":\"A\",\"quantity\":1,\"unitPriceCents\":1}]}", 400, "customerId"));
        cases.add(post("duplicate keys in an item", "{\"customerId\":\"c-1\",\"currency\":\"USD\","
                + "\"items\":[{\"sku\":\"A\",\"quantity\":1,\"quantity\":1000,\"unitPriceCents\":1}]}", 400, "items[0].quantity"));
        cases.add(post("a number of 100 digits", VALID.replace("1999", "1".repeat(100)), 400, "body"));
        // customerId
        cases.add(order("customerId missing", o -> o.remove("customerId"), 400, "customerId"));
        cases.add(order("customerId blank", o -> o.put("customerId", "   "), 400, "customerId"));
        cases.add(order("customerId a number", o -> o.put("customerId", 7), 400, "customerId"));
        cases.add(order("customerId an object", o -> o.putObject("customerId"), 400, "customerId"));
        cases.add(order("customerId over 100 characters", o -> o.put("customerId", "c".repeat(101)), 400, "customerId"));
        cases.add(order("customerId with a control character", o -> o.put("customerId", "c-\u0007"), 400, "customerId"));
        cases.add(order("customerId with a space", o -> o.put("customerId", "c 1"), 400, "customerId"));
        // currency
        cases.add(order("currency missing", o -> o.remove("currency"), 400, "currency"));
        cases.add(order("currency lower case", o -> o.put("currency", "usd"), 400, "currency"));
        cases.add(order("currency too long", o -> o.put("currency", "USDX"), 400, "currency"));
        cases.add(order("currency an array", o -> o.putArray("currency").add("USD"), 400, "currency"));
        // items
        cases.add(order("items missing", o -> o.remove("items"), 400, "items"));
        cases.add(order("items empty", o -> o.putArray("items"), 400, "items"));
        cases.add(order("items a string", o -> o.put("items", "BOOK-1"), 400, "items"));
        cases.add(order("an item that is not an object", o -> o.putArray("items").add(1), 400, "items[0]"));
        cases.add(order("101 items", o -> {
            ArrayNode items = o.putArray("items");
            for (int i = 0; i < 101; i++) {
                items.addObject().put("sku", "S" + i).put("quantity", 1).put("unitPriceCents", 1);
            }
        }, 400, "items"));
        cases.add(order("100 items whose SKUs are 100 quotes each", o -> {
            ArrayNode items = o.putArray("items");
            for (int i = 0; i < 100; i++) {
                items.addObject().put("sku", "\"".repeat(100)).put("quantity", 1).put("unitPriceCents", 1);
            }
        }, 400, "items[0].sku"));
        // items[0].sku
        cases.add(item("sku missing", i -> i.remove("sku"), 400, "items[0].sku"));
        cases.add(item("sku blank", i -> i.put("sku", ""), 400, "items[0].sku"));
        cases.add(item("sku a number", i -> i.put("sku", 5), 400, "items[0].sku"));
        cases.add(item("sku over 64 characters", i -> i.put("sku", "S".repeat(65)), 400, "items[0].sku"));
        cases.add(item("sku with a NUL", i -> i.put("sku", "BOOK\u00001"), 400, "items[0].sku"));
        cases.add(item("sku ending in a NUL", i -> i.put("sku", "BOOK-1\u0000"), 400, "items[0].sku"));
        cases.add(item("sku with a right-to-left override", i -> i.put("sku", "BOOK\u202E1"), 400, "items[0].sku"));
        cases.add(post("sku an unpaired surrogate", VALID.replace("BOOK-1", "\\ud800"), 400, "items[0].sku"));
        // items[0].quantity
        cases.add(item("quantity missing", i -> i.remove("quantity"), 400, "items[0].quantity"));
        cases.add(item("quantity zero", i -> i.put("quantity", 0), 400, "items[0].quantity"));
        cases.add(item("quantity negative", i -> i.put("quantity", -1), 400, "items[0].quantity"));
        cases.add(item("quantity fractional", i -> i.put("quantity", 1.5), 400, "items[0].quantity"));
        cases.add(item("quantity 1.0", i -> i.put("quantity", 1.0), 400, "items[0].quantity"));
        cases.add(post("quantity as an exponent", VALID.replace("\"quantity\":2", "\"quantity\":1e1"), 400, "items[0].quantity"));
        cases.add(item("quantity 2^64+1 (would wrap to 1)", i -> i.put("quantity", new BigInteger("18446744073709551617")),
                400, "items[0].quantity"));
        cases.add(item("quantity a string", i -> i.put("quantity", "2"), 400, "items[0].quantity"));
        cases.add(item("quantity over the maximum", i -> i.put("quantity", 10_001), 400, "items[0].quantity"));
        cases.add(item("quantity Long.MAX_VALUE", i -> i.put("quantity", Long.MAX_VALUE), 400, "items[0].quantity"));
        // items[0].unitPriceCents
        cases.add(item("unitPriceCents missing", i -> i.remove("unitPriceCents"), 400, "items[0].unitPriceCents"));
        cases.add(item("unitPriceCents negative", i -> i.put("unitPriceCents", -1), 400, "items[0].unitPriceCents"));
        cases.add(item("unitPriceCents fractional", i -> i.put("unitPriceCents", 19.99), 400, "items[0].unitPriceCents"));
        cases.add(item("unitPriceCents 2^64 (would wrap to 0)", i -> i.put("unitPriceCents", new BigInteger("18446744073709551616")),
                400, "items[0].unitPriceCents"));
        cases.add(item("unitPriceCents a string", i -> i.put("unitPriceCents", "1999"), 400, "items[0].unitPriceCents"));
        cases.add(item("unitPriceCents over the maximum", i -> i.put("unitPriceCents", 100_000_001), 400, "items[0].unitPriceCents"));
        cases.add(item("unitPriceCents null", i -> i.putNull("unitPriceCents"), 400, "items[0].unitPriceCents"));
        // couponCode
        cases.add(order("couponCode a number", o -> o.put("couponCode", 10), 400, "couponCode"));
        cases.add(order("couponCode over 64 characters", o -> o.put("couponCode", "C".repeat(65)), 400, "couponCode"));
        cases.add(order("couponCode with a space", o -> o.put("couponCode", "WELCOME 10"), 400, "couponCode"));
        cases.add(order("an unknown coupon", o -> o.put("couponCode", "NOPE"), 400, "couponCode"));
        cases.add(order("an expired coupon", o -> o.put("couponCode", "OLD10"), 400, "couponCode"));
        cases.add(order("a coupon for another currency", o -> o.put("couponCode", "EURO5"), 400, "couponCode"));
        // pointsToRedeem
        cases.add(order("pointsToRedeem negative", o -> o.put("pointsToRedeem", -5), 400, "pointsToRedeem"));
        cases.add(order("pointsToRedeem fractional", o -> o.put("pointsToRedeem", 0.5), 400, "pointsToRedeem"));
        cases.add(order("pointsToRedeem beyond 64 bits", o -> o.put("pointsToRedeem", new BigInteger("-18446744073709551616")),
                400, "pointsToRedeem"));
        cases.add(order("pointsToRedeem a string", o -> o.put("pointsToRedeem", "100"), 400, "pointsToRedeem"));
        cases.add(order("pointsToRedeem over the maximum", o -> o.put("pointsToRedeem", 1_000_000_000_001L), 400, "pointsToRedeem"));
        // all of it at once: every field named
        cases.add(order("every field invalid at once", o -> {
            o.put("customerId", "").put("currency", "x").put("pointsToRedeem", -1);
            o.putArray("items").addObject().put("sku", 1).put("quantity", 0).put("unitPriceCents", -1);
        }, 400, "items[0].unitPriceCents"));
        // headers
        cases.add(raw("Idempotency-Key over 200 characters", post("/orders", "application/json",
                VALID.getBytes(StandardCharsets.UTF_8), "Idempotency-Key: " + "k".repeat(201)), 400, "Idempotency-Key"));
        cases.add(raw("Idempotency-Key with a non-ASCII character", post("/orders", "application/json",
                VALID.getBytes(StandardCharsets.UTF_8), "Idempotency-Key: k\u00e9y"), 400, "Idempotency-Key"));
        cases.add(raw("a 20 KB header", post("/orders", "application/json", VALID.getBytes(StandardCharsets.UTF_8),
                "X-Huge: " + "h".repeat(20_000)), 431, null));
        cases.add(raw("1,000 small headers", post("/orders", "application/json", VALID.getBytes(StandardCharsets.UTF_8),
                String.join("\r\n", java.util.Collections.nCopies(1000, "X-Many: 1"))), 431, null));
        cases.add(raw("a 20 KB URI", new Hostile("", "GET /orders/" + "o".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close", null, 0, null), 414, null));
        // content type and size
        cases.add(raw("text/plain (a cross-site simple request)", post("/orders", "text/plain",
                VALID.getBytes(StandardCharsets.UTF_8)), 415, "Content-Type"));
        cases.add(raw("a form (a cross-site simple request)", post("/orders", "application/x-www-form-urlencoded",
                VALID.getBytes(StandardCharsets.UTF_8)), 415, "Content-Type"));
        cases.add(raw("no Content-Type", post("/orders", null, VALID.getBytes(StandardCharsets.UTF_8)), 415, "Content-Type"));
        cases.add(raw("JSON in another charset", post("/orders", "application/json; charset=ISO-8859-1",
                VALID.getBytes(StandardCharsets.UTF_8)), 415, "Content-Type"));
        cases.add(raw("a 2 MiB body", post("/orders", "application/json", big(2 << 20)), 413, "body"));
        cases.add(raw("a 2 MiB body, chunked", new Hostile("", "POST /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked", chunked(big(2 << 20)), 0, null), 413, "body"));
        // methods and paths
        cases.add(raw("GET on a POST-only path", new Hostile("", "GET /orders HTTP/1.1\r\nHost: x\r\nConnection: close",
                null, 0, null), 405, null));
        cases.add(raw("DELETE an order", new Hostile("", "DELETE /orders/x HTTP/1.1\r\nHost: x\r\nConnection: close",
                null, 0, null), 405, null));
        cases.add(raw("an unknown path", new Hostile("", "POST /orderz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nContent-Length: 2", "{}".getBytes(StandardCharsets.UTF_8), 0, null), 404, null));
        cases.add(raw("waitSeconds not a number", new Hostile("", "GET /orders/x?waitSeconds=abc HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close", null, 0, null), 400, "waitSeconds"));
        cases.add(raw("a payment over the gateway's limit", post("/orders", "application/json", ("{\"customerId\":\"c-1\","
                + "\"currency\":\"USD\",\"items\":[{\"sku\":\"TV\",\"quantity\":10000,\"unitPriceCents\":100000000}]}")
                .getBytes(StandardCharsets.UTF_8)), 402, null));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void isRefusedPreciselyWritesNothingAndLeavesTheServiceHealthy(Hostile request) throws Exception {
        Counts before = counts();

        RawHttp.Reply reply = RawHttp.exchange(port, request.head(), request.body());

        assertThat(reply.status()).as("%s answered %s", request.name(), reply.body()).isEqualTo(request.status());
        assertThat(reply.header("Content-Type")).isEqualTo("application/problem+json");
        JsonNode problem = Json.MAPPER.readTree(reply.body());
        assertThat(problem.get("status").asInt()).isEqualTo(request.status());
        assertThat(problem.get("detail").asText()).isNotBlank();
        if (request.field() != null) {
            assertThat(problem.get("errors").findValuesAsText("field")).as("fields named in %s", reply.body())
                    .contains(request.field());
        }
        assertThat(counts().ordersAndPayments()).as("orders and payments after %s", request.name())
                .isEqualTo(before.ordersAndPayments());
        assertThat(counts().paymentEvents()).as("PaymentCompleted events waiting in the outbox").isLessThanOrEqualTo(before.paymentEvents());
        assertThat(stack.get(port, "/health").statusCode()).isEqualTo(200);
    }

    // ---- what is not a refusal -----------------------------------------------------------------------

    @Test
    void theLargestValidOrderIsAcceptedNotA500() throws Exception {
        ObjectNode o = (ObjectNode) Json.MAPPER.readTree(VALID);
        ArrayNode items = o.putArray("items");
        for (int i = 0; i < PlaceOrderRequest.MAX_ITEMS; i++) {
            items.addObject().put("sku", "\"".repeat(PlaceOrderRequest.MAX_SKU_LENGTH)).put("quantity", 1).put("unitPriceCents", 1);
        }
        var reply = stack.post(port, "/orders", o.toString());
        assertThat(reply.statusCode()).as(reply.body()).isEqualTo(202);
        assertThat(Json.MAPPER.readTree(reply.body()).get("items").get(99).get("sku").asText())
                .isEqualTo("\"".repeat(PlaceOrderRequest.MAX_SKU_LENGTH));
    }

    @Test
    void pointsBeyondTheBalanceAreAcceptedWith202BecausePointsServiceChecksThemAndTheSagaThenCancelsTheOrder() throws Exception {
        // Checkout does not know balances (points-service owns them): the synchronous answer is 202.
        String customer = "c-" + UUID.randomUUID();
        var placed = stack.post(port, "/orders", "{\"customerId\":\"" + customer + "\",\"currency\":\"USD\",\"items\":"
                + "[{\"sku\":\"A\",\"quantity\":1,\"unitPriceCents\":5000}],\"pointsToRedeem\":1000000}");
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(202);
        String orderId = Json.MAPPER.readTree(placed.body()).get("orderId").asText();

        // When points-service refuses the points (published here as it would)
        stack.send(Topics.POINTS_EVENTS, orderId, PointsRejected.newBuilder().setEventId(UUID.randomUUID().toString())
                .setOrderId(orderId).setOccurredAt(Instant.now()).setCustomerId(customer).setRequested(5000).setBalance(0)
                .setReason(PointsRejectionReason.INSUFFICIENT_BALANCE).setDetail("balance 0 < 5000").build());

        // Then the saga refunds the payment and cancels the order
        await("order " + orderId + " CANCELLED").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode order = Json.MAPPER.readTree(stack.get(port, "/orders/" + orderId + "?waitSeconds=5").body());
            assertThat(order.get("status").asText()).as("order %s", order).isEqualTo("CANCELLED");
            assertThat(order.get("payment").asText()).isEqualTo("REFUNDED");
        });
    }

    @Test
    void aRetryWithTheSameKeyGetsTheOriginalOrderEvenAfterItsCouponExpired() throws Exception {
        String code = "SOON" + UUID.randomUUID().toString().substring(0, 8).toUpperCase();
        publishCoupon(code, 100, "USD", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> service.couponView().find(code).isPresent());
        String body = VALID.replace("}]}", "}],\"couponCode\":\"" + code + "\"}");
        String key = "key-" + UUID.randomUUID();

        var first = postWithKey(body, key);
        assertThat(first.status()).as(first.body()).isEqualTo(202);
        String orderId = Json.MAPPER.readTree(first.body()).get("orderId").asText();

        // The coupon expires (coupon-service republishes it with an end in the past)
        publishCoupon(code, 100, "USD", Instant.now().minusSeconds(60));
        await().atMost(Duration.ofSeconds(30)).until(() -> service.couponView().find(code).map(c -> c.getValidUntil() != null).orElse(false));

        var retry = postWithKey(body, key);
        assertThat(retry.status()).as(retry.body()).isEqualTo(202);
        assertThat(Json.MAPPER.readTree(retry.body()).get("orderId").asText()).isEqualTo(orderId);
        var fresh = postWithKey(body, "key-" + UUID.randomUUID());
        assertThat(fresh.status()).as("a new order with the expired coupon: %s", fresh.body()).isEqualTo(400);
    }

    @Test
    void aKeyReusedForAnotherRequestIs422WithoutNamingTheOtherOrder() throws Exception {
        String key = "key-" + UUID.randomUUID();
        var first = postWithKey(VALID, key);
        assertThat(first.status()).isEqualTo(202);
        String orderId = Json.MAPPER.readTree(first.body()).get("orderId").asText();
        Counts before = counts();

        var other = postWithKey(VALID.replace("\"c-1\"", "\"c-2\""), key);

        assertThat(other.status()).isEqualTo(422);
        assertThat(other.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(other.body()).doesNotContain(orderId);
        assertThat(counts().ordersAndPayments()).isEqualTo(before.ordersAndPayments());
    }

    // ---- fuzz ------------------------------------------------------------------------------------------

    @Test
    void randomBodiesNeverGetA5xxAndNeverWriteWithoutA202() throws Exception {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        java.util.Random random = new java.util.Random(seed);
        int accepted = 0;
        for (int i = 0; i < 300; i++) {
            byte[] body = RandomBodies.next(random, VALID);
            Counts before = counts();

            RawHttp.Reply reply = RawHttp.exchange(port, post("/orders", "application/json", body).head(), body);

            String what = "seed " + seed + ", body #" + i + ": " + new String(body, StandardCharsets.UTF_8);
            assertThat(reply.status()).as(what + " answered " + reply.body()).isBetween(200, 499);
            long orders = counts().ordersAndPayments().get("orders") - before.ordersAndPayments().get("orders");
            if (reply.status() == 202) {
                accepted++;
                assertThat(orders).as(what).isEqualTo(1);
            } else {
                assertThat(orders).as(what + " answered " + reply.status()).isZero();
                assertThat(reply.header("Content-Type")).as(what).isEqualTo("application/problem+json");
            }
        }
        System.out.printf("Fuzz (seed %d): 300 random bodies, %d accepted, the rest refused with a 4xx%n", seed, accepted);
        assertThat(stack.get(port, "/health").statusCode()).isEqualTo(200);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static RawHttp.Reply postWithKey(String body, String key) throws Exception {
        Hostile h = post("/orders", "application/json", body.getBytes(StandardCharsets.UTF_8), "Idempotency-Key: " + key);
        return RawHttp.exchange(port, h.head(), h.body());
    }

    private static void publishCoupon(String code, long discount, String currency, Instant validUntil) throws Exception {
        stack.send(Topics.COUPONS_CATALOG, code, CouponDefinition.newBuilder().setEventId(UUID.randomUUID().toString())
                .setOccurredAt(Instant.now()).setCode(code).setDiscountCents(discount).setCurrency(currency)
                .setTotalUses(null).setValidUntil(validUntil).build());
    }

    private static Hostile post(String name, String body, int status, String field) {
        Hostile h = post("/orders", "application/json", body.getBytes(StandardCharsets.UTF_8));
        return new Hostile(name, h.head(), h.body(), status, field);
    }

    private static Hostile order(String name, Consumer<ObjectNode> change, int status, String field) {
        try {
            ObjectNode o = (ObjectNode) Json.MAPPER.readTree(VALID);
            o.put("customerId", "c-" + UUID.randomUUID());
            change.accept(o);
            return post(name, Json.MAPPER.writeValueAsString(o), status, field);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Hostile item(String name, Consumer<ObjectNode> change, int status, String field) {
        return order(name, o -> change.accept((ObjectNode) o.get("items").get(0)), status, field);
    }

    private static Hostile raw(String name, Hostile request, int status, String field) {
        return new Hostile(name, request.head(), request.body(), status, field);
    }

    /** A POST with {@code Connection: close}, a correct Content-Length and extra header lines. */
    private static Hostile post(String path, String contentType, byte[] body, String... headers) {
        StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length);
        return new Hostile("", head.toString(), body, 0, null);
    }

    /** {@code json} with the first \u0001 replaced by raw bytes that are not valid UTF-8. */
    private static Hostile json(byte[] json, int... bad) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : json) {
            if (b == 1) {
                for (int x : bad) {
                    out.write(x);
                }
            } else {
                out.write(b);
            }
        }
        return post("/orders", "application/json", out.toByteArray());
    }

    private static byte[] big(int size) {
        byte[] body = new byte[size];
        java.util.Arrays.fill(body, (byte) ' ');
        body[0] = '{';
        body[size - 1] = '}';
        return body;
    }

    private static byte[] chunked(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < body.length; i += 8192) {
            int n = Math.min(8192, body.length - i);
            out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, i, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** Rows only checkout inserts (orders, payments), and PaymentCompleted events not yet relayed. */
    record Counts(Map<String, Long> ordersAndPayments, long paymentEvents) {
    }

    static Counts counts() throws Exception {
        Database db = service.runtime().db();
        return db.read(c -> {
            Map<String, Long> rows = new java.util.TreeMap<>();
            try (Statement st = c.createStatement()) {
                for (String table : List.of("orders", "payments")) {
                    try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
                        rs.next();
                        rows.put(table, rs.getLong(1));
                    }
                }
                try (ResultSet rs = st.executeQuery(
                        "SELECT COUNT(*) FROM outbox WHERE event_type = 'io.orderflow.events.PaymentCompleted'")) {
                    rs.next();
                    return new Counts(rows, rs.getLong(1));
                }
            }
        });
    }
}
