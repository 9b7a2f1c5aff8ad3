package io.orderflow.platform.kafka;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The correlation id and W3C {@code traceparent} that travel in record headers from the HTTP
 * request through every service. The consumer loop sets the context of the record it handles,
 * so the events a handler writes to the outbox continue the same trace.
 */
public record TraceContext(String correlationId, String traceparent) {

    public static final String CORRELATION_ID = "correlationId";
    public static final String TRACEPARENT = "traceparent";
    public static final String EVENT_ID = "eventId";
    public static final String EVENT_TYPE = "eventType";

    private static final ThreadLocal<TraceContext> CURRENT = new ThreadLocal<>();
    private static final HexFormat HEX = HexFormat.of();

    /** A new trace, for a request that arrives without one. */
    public static TraceContext start(String correlationId) {
        return new TraceContext(correlationId, "00-" + hex(16) + "-" + hex(8) + "-01");
    }

    /** The same trace, a new span: what the next hop should carry. */
    public TraceContext nextSpan() {
        if (traceparent == null || traceparent.length() < 55) {
            return start(correlationId);
        }
        return new TraceContext(correlationId, traceparent.substring(0, 36) + hex(8) + "-01");
    }

    public static TraceContext fromHeaders(Headers headers) {
        return new TraceContext(header(headers, CORRELATION_ID), header(headers, TRACEPARENT));
    }

    public static TraceContext current() {
        return CURRENT.get();
    }

    /** Runs with this context as the current one, restoring the previous one afterwards. */
    public Scope open() {
        TraceContext previous = CURRENT.get();
        CURRENT.set(this);
        return () -> {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        };
    }

    /** Closes without checked exceptions. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(random);
        return HEX.formatHex(random); // lower case, two digits a byte, as traceparent wants
    }
}
