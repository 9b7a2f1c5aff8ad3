package io.orderflow.platform.streams;

import io.orderflow.platform.consumer.DeadLetters;
import io.orderflow.platform.failure.FailureKind;
import io.orderflow.platform.failure.Failures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;

/**
 * A dead letter of a Streams app: the source record's key and value bytes and headers, plus the
 * {@code dlt.*} headers of {@link DeadLetters} (original topic, partition, offset, exception, group),
 * so the {@code redrive} tool treats a Streams app's DLT like a consumer group's. Streams' own
 * {@code __streams.errors.*} headers would not tell redrive where the record came from.
 *
 * @param topic the DLT ({@code errors.dead.letter.queue.topic.name})
 * @param group the app's application id (its consumer group)
 */
record StreamsDeadLetter(String topic, String group) {

    private static final int MAX_MESSAGE = 2000;
    private static final int MAX_STACKTRACE = 8000;

    /** From the Streams config a handler is configured with. */
    static StreamsDeadLetter from(Map<String, ?> configs) {
        Object dlt = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        Object app = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (dlt == null || dlt.toString().isBlank()) {
            throw new IllegalArgumentException(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG
                    + " must name the dead-letter topic of " + app);
        }
        return new StreamsDeadLetter(dlt.toString(), String.valueOf(app));
    }

    ProducerRecord<byte[], byte[]> of(String sourceTopic, int partition, long offset, Headers sourceHeaders,
                                      byte[] key, byte[] value, Exception reason) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, key, value);
        if (sourceHeaders != null) {
            for (Header h : sourceHeaders) {
                if (!h.key().startsWith("dlt.")) {
                    record.headers().add(h);
                }
            }
        }
        add(record, DeadLetters.ORIGINAL_TOPIC, sourceTopic);
        add(record, DeadLetters.ORIGINAL_PARTITION, String.valueOf(partition));
        add(record, DeadLetters.ORIGINAL_OFFSET, String.valueOf(offset));
        add(record, DeadLetters.EXCEPTION_CLASS, rootCause(reason).getClass().getName());
        add(record, DeadLetters.EXCEPTION_MESSAGE, describe(reason));
        add(record, DeadLetters.EXCEPTION_STACKTRACE, stackTrace(reason));
        add(record, DeadLetters.ATTEMPTS, "1");
        add(record, DeadLetters.CONSUMER_GROUP, group);
        add(record, DeadLetters.FAILED_AT, Instant.now().toString());
        return record;
    }

    /**
     * Whether a failure may pass if the record is tried again: what {@link Failures} calls transient
     * (registry or broker unreachable, a timeout), and Streams' own store and producer errors and I/O
     * (a full disk, RocksDB): never dead-lettered, the thread is replaced and retries. Poison (bytes that
     * are not the wire format, a schema id the registry does not know) is the record's fault.
     */
    static boolean isTransient(Throwable failure) {
        FailureKind kind = Failures.classify(failure);
        if (kind != FailureKind.UNKNOWN) {
            return kind == FailureKind.TRANSIENT;
        }
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof IOException || c instanceof StreamsException) {
                return true;
            }
        }
        return false;
    }

    /** Every message of the cause chain: the outermost says where, the innermost says why. */
    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return sb.length() > MAX_MESSAGE ? sb.substring(0, MAX_MESSAGE) : sb.toString();
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

    private static void add(ProducerRecord<byte[], byte[]> record, String name, String value) {
        record.headers().remove(name);
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
