package io.orderflow.platform.consumer;

import io.orderflow.platform.failure.FailureKind;
import io.orderflow.platform.failure.Failures;
import io.orderflow.schemas.Topics;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
        DeadLetterHeaders.write(dlt.headers(), failed.headers(), failed.topic(), failed.partition(), failed.offset(),
                reason, kind, attempts, group);
        producer.send(dlt).get(30, TimeUnit.SECONDS);
        log.error("Dead-lettered {}-{}@{} (key {}, {}) after {} attempt(s) to {}: {}", failed.topic(), failed.partition(),
                failed.offset(), failed.key(), kind, attempts, dlt.topic(), Failures.describe(reason), reason);
    }

}
