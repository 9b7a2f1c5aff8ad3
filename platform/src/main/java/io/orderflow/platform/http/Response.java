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

    /**
     * A body written as it is produced (chunked), e.g. Server-Sent Events: the writer flushes what
     * the client should see at once and returns when the stream is over.
     */
    @FunctionalInterface
    public interface Streamed {
        void writeTo(java.io.OutputStream out) throws Exception;
    }

    public static Response stream(String contentType, Streamed body) {
        return new Response(200, Map.of("Cache-Control", "no-cache"), body, contentType);
    }

    public Response withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new Response(status, Map.copyOf(h), body, contentType);
    }
}
