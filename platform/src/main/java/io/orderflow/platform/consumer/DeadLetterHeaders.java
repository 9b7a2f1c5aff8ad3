package io.orderflow.platform.consumer;

import io.orderflow.platform.failure.FailureKind;
import io.orderflow.platform.failure.Failures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The headers of a dead letter, the same for a consumer group's DLT and a Streams app's: the source
 * record's own headers, then {@code dlt.*} headers that say where it came from and why it failed.
 * {@link Redrive} reads {@link DeadLetters#ORIGINAL_TOPIC} to send it back and drops every {@code dlt.*}.
 */
public final class DeadLetterHeaders {

    private static final int MAX_STACKTRACE = 8000;

    private DeadLetterHeaders() {
    }

    /**
     * Copies {@code source} (without earlier {@code dlt.*} headers, e.g. of a record redriven before)
     * into {@code target} and adds the reason.
     */
    public static void write(Headers target, Headers source, String topic, int partition, long offset, Throwable reason,
                             FailureKind kind, int attempts, String group) {
        if (source != null) {
            for (Header h : source) {
                if (!h.key().startsWith("dlt.")) {
                    target.add(h);
                }
            }
        }
        add(target, DeadLetters.ORIGINAL_TOPIC, topic);
        add(target, DeadLetters.ORIGINAL_PARTITION, String.valueOf(partition));
        add(target, DeadLetters.ORIGINAL_OFFSET, String.valueOf(offset));
        add(target, DeadLetters.EXCEPTION_CLASS, rootCause(reason).getClass().getName());
        add(target, DeadLetters.EXCEPTION_MESSAGE, Failures.describe(reason));
        add(target, DeadLetters.EXCEPTION_STACKTRACE, stackTrace(reason));
        add(target, DeadLetters.FAILURE_KIND, kind.name());
        add(target, DeadLetters.ATTEMPTS, String.valueOf(attempts));
        add(target, DeadLetters.CONSUMER_GROUP, group);
        add(target, DeadLetters.FAILED_AT, Instant.now().toString());
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }

    private static String stackTrace(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        String s = sw.toString();
        return s.length() > MAX_STACKTRACE ? s.substring(0, MAX_STACKTRACE) : s;
    }

    private static void add(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
