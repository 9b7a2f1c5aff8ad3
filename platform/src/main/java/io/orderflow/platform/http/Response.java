package io.orderflow.platform.http;

import java.util.Map;

/** What a handler answers: a status, extra headers, and a body serialized as JSON (or sent as text). */
public record Response(int status, Map<String, String> headers, Object body, String contentType) {

    public static Response json(int status, Object body) {
        return new Response(status, Map.of(), body, "application/json");
    }

    public static Response ok(Object body) {
        return json(200, body);
    }

    public static Response text(int status, String body, String contentType) {
        return new Response(status, Map.of(), body, contentType);
    }

    public Response withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new Response(status, Map.copyOf(h), body, contentType);
    }
}
