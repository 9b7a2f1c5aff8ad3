package io.orderflow.platform.http;

import java.util.Map;

/**
 * What a handler answers: a status, extra headers, and a body serialized as JSON (or sent as text).
 * A response that waits ({@link #stream}, {@link #deferred}) is produced on the server's bounded
 * pool for long-running requests, so waiting clients never hold the threads everyone else needs.
 */
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

    /** The answer of a long-poll: computed once the awaited thing happened or the wait is over. */
    @FunctionalInterface
    public interface Deferred {
        Response produce() throws Exception;
    }

    public static Response stream(String contentType, Streamed body) {
        return new Response(200, Map.of("Cache-Control", "no-cache"), body, contentType);
    }

    /** A long-poll: {@code answer} may wait (bounded by the handler); it runs on the long-running pool. */
    public static Response deferred(Deferred answer) {
        return new Response(200, Map.of(), answer, "application/json");
    }

    public Response withHeader(String name, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(name, value);
        return new Response(status, Map.copyOf(h), body, contentType);
    }
}
