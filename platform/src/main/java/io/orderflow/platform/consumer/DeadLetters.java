package io.orderflow.platform.consumer;

import io.orderflow.platform.failure.FailureKind;
import io.orderflow.schemas.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a record that cannot be applied to {@code <group>.dlt}: the original key and value bytes
 * and headers, plus headers that say where it came from and why it failed. The send is awaited
 * before the offset moves on, so a dead-lettered record is never lost either.
 */
public final class DeadLetters {

    public static final String ORIGINAL_TOPIC = "dlt.original.topic";
    public static final String ORIGINAL_PARTITION = "dlt.original.partition";
    public static final String ORIGINAL_OFFSET = "dlt.original.offset";
    public static final String EXCEPTION_CLASS = "dlt.exception.class";
    public static final String EXCEPTION_MESSAGE = "dlt.exception.message";
    public static final String EXCEPTION_STACKTRACE = "dlt.exception.stacktrace";
    /** {@code POISON} (it can never be applied: fix or drop the data) or {@code UNKNOWN} (retries ran out: most likely a bug to fix before a redrive). */
    public static final String FAILURE_KIND = "dlt.failure.kind";
    public static final String ATTEMPTS = "dlt.attempts";
    public static final String CONSUMER_GROUP = "dlt.consumer.group";
    public static final String FAILED_AT = "dlt.failed.at";

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

    private final String group;
    private final Producer<String, byte[]> producer;

    public DeadLetters(String group, Producer<String, byte[]> producer) {
        this.group = group;
        this.producer = producer;
    }

    /** Sends {@code failed} to the DLT and waits for the broker's ack; throws when it did not get one. */
    public void send(ConsumerRecord<String, byte[]> failed, Throwable reason, FailureKind kind, int attempts) throws Exception {
        ProducerRecord<String, byte[]> dlt = new ProducerRecord<>(Topics.deadLetterTopic(group), null,
                failed.key(), failed.value());
        for (Header h : failed.headers()) {
            dlt.headers().add(h);
        }
        add(dlt, ORIGINAL_TOPIC, failed.topic());
        add(dlt, ORIGINAL_PARTITION, String.valueOf(failed.partition()));
        add(dlt, ORIGINAL_OFFSET, String.valueOf(failed.offset()));
        add(dlt, EXCEPTION_CLASS, rootCause(reason).getClass().getName());
        add(dlt, EXCEPTION_MESSAGE, describe(reason));
        add(dlt, EXCEPTION_STACKTRACE, stackTrace(reason));
        add(dlt, FAILURE_KIND, kind.name());
        add(dlt, ATTEMPTS, String.valueOf(attempts));
        add(dlt, CONSUMER_GROUP, group);
        add(dlt, FAILED_AT, Instant.now().toString());
        producer.send(dlt).get(30, TimeUnit.SECONDS);
        log.error("Dead-lettered {}-{}@{} (key {}, {}) after {} attempt(s) to {}: {}", failed.topic(), failed.partition(),
                failed.offset(), failed.key(), kind, attempts, dlt.topic(), describe(reason), reason);
    }

    /** Every message of the cause chain: the outermost says where, the innermost says why. */
    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
            if (c.getCause() == c) {
                break;
            }
        }
        return sb.length() > 2000 ? sb.substring(0, 2000) : sb.toString();
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
        return s.length() > 8000 ? s.substring(0, 8000) : s;
    }

    private static void add(ProducerRecord<String, byte[]> record, String name, String value) {
        record.headers().remove(name);
        record.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
