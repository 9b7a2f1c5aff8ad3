package io.orderflow.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny JSON client for tests: what a user does with curl. */
final class HttpJson {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Reply(int status, JsonNode body, HttpResponse<String> raw) {
        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    private HttpJson() {
    }

    static Reply get(String url) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).GET().build());
    }

    static Reply post(String url, String json, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    private static Reply send(HttpRequest request) throws Exception {
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode body = response.body() == null || response.body().isEmpty() ? null : Json.MAPPER.readTree(response.body());
        return new Reply(response.statusCode(), body, response);
    }

    static String order(String customerId, String couponCode, long points) {
        return "{\"customerId\":\"" + customerId + "\",\"currency\":\"USD\",\"items\":[{\"sku\":\"BOOK-1\",\"quantity\":2,"
                + "\"unitPriceCents\":1999}]" + (couponCode == null ? "" : ",\"couponCode\":\"" + couponCode + "\"")
                + ",\"pointsToRedeem\":" + points + "}";
    }
}
