package io.orderflow.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The few HTTP calls the demos make, JSON in and out. */
final class Http {

    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** A status and the body as JSON (null when not JSON). */
    record Reply(int status, JsonNode body, String raw) {
    }

    private Http() {
    }

    static Reply get(String url) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    static Reply post(String url, String json, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    static String text(String url) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static Reply send(HttpRequest request) throws Exception {
        HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode body = null;
        try {
            body = r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
        } catch (Exception notJson) {
            // text: leave body null
        }
        return new Reply(r.statusCode(), body, r.body());
    }

    /** An order body as the README's curl: two books, an optional coupon, points to redeem. */
    static String order(String customerId, String couponCode, long points) {
        return "{\"customerId\":\"" + customerId + "\",\"currency\":\"USD\",\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":2,"
                + "\"unitPriceCents\":1999}]" + (couponCode == null ? "" : ",\"couponCode\":\"" + couponCode + "\"")
                + ",\"pointsToRedeem\":" + points + "}";
    }
}
