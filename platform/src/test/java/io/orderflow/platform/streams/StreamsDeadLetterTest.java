package io.orderflow.platform.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.orderflow.platform.avro.SchemaNotFoundException;
import io.orderflow.platform.avro.SchemaRegistryUnavailableException;
import io.orderflow.platform.consumer.DeadLetters;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.junit.jupiter.api.Test;

/** The dead letter a Streams app writes, and which failures are the record's fault. */
class StreamsDeadLetterTest {

    private final StreamsDeadLetter deadLetter = StreamsDeadLetter.from(Map.of(
            StreamsConfig.APPLICATION_ID_CONFIG, "order-saga",
            StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, "order-saga.dlt"));

    @Test
    void carriesTheRecordByteForByteWithTheHeadersRedriveNeeds() {
        RecordHeaders source = new RecordHeaders();
        source.add("correlationId", "c-1".getBytes(StandardCharsets.UTF_8));
        source.add(DeadLetters.ORIGINAL_TOPIC, "stale".getBytes(StandardCharsets.UTF_8)); // from an earlier dead letter
        byte[] key = {1, 2};
        byte[] value = {0, 0, 0, 0, 7, 42};

        ProducerRecord<byte[], byte[]> dlt = deadLetter.of("payments.events", 3, 41, source, key, value,
                new IllegalStateException("outer", new IllegalArgumentException("inner")));

        assertThat(dlt.topic()).isEqualTo("order-saga.dlt");
        assertThat(dlt.partition()).isNull();
        assertThat(dlt.key()).isSameAs(key);
        assertThat(dlt.value()).isSameAs(value);
        assertThat(header(dlt, "correlationId")).isEqualTo("c-1");
        assertThat(header(dlt, DeadLetters.ORIGINAL_TOPIC)).isEqualTo("payments.events");
        assertThat(dlt.headers().headers(DeadLetters.ORIGINAL_TOPIC)).hasSize(1);
        assertThat(header(dlt, DeadLetters.ORIGINAL_PARTITION)).isEqualTo("3");
        assertThat(header(dlt, DeadLetters.ORIGINAL_OFFSET)).isEqualTo("41");
        assertThat(header(dlt, DeadLetters.EXCEPTION_CLASS)).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(header(dlt, DeadLetters.EXCEPTION_MESSAGE))
                .isEqualTo("IllegalStateException: outer <- IllegalArgumentException: inner");
        assertThat(header(dlt, DeadLetters.EXCEPTION_STACKTRACE)).contains("StreamsDeadLetterTest");
        assertThat(header(dlt, DeadLetters.CONSUMER_GROUP)).isEqualTo("order-saga");
        assertThat(header(dlt, DeadLetters.FAILED_AT)).isNotBlank();
    }

    @Test
    void unreadableBytesAndUnknownSchemasAreTheRecordsFault() {
        assertThat(StreamsDeadLetter.isTransient(new SerializationException("Not Confluent wire format"))).isFalse();
        assertThat(StreamsDeadLetter.isTransient(new SerializationException("schema 99",
                new SchemaNotFoundException("GET /schemas/ids/99 -> HTTP 404", 404, 40403)))).isFalse();
        assertThat(StreamsDeadLetter.isTransient(new IllegalArgumentException("key is not the orderId"))).isFalse();
    }

    @Test
    void anUnreachableRegistryOrBrokerOrStoreIsTransient() {
        assertThat(StreamsDeadLetter.isTransient(new SerializationException("schema 7",
                new SchemaRegistryUnavailableException("GET failed", new ConnectException("refused"))))).isTrue();
        assertThat(StreamsDeadLetter.isTransient(new SerializationException("schema 7",
                new SchemaRegistryUnavailableException("HTTP 503", 503, -1)))).isTrue();
        assertThat(StreamsDeadLetter.isTransient(new TimeoutException("broker"))).isTrue();
        assertThat(StreamsDeadLetter.isTransient(new UncheckedIOException(new java.io.IOException("disk")))).isTrue();
        assertThat(StreamsDeadLetter.isTransient(new ProcessorStateException("rocksdb"))).isTrue();
    }

    @Test
    void refusesAConfigWithoutDeadLetterTopic() {
        assertThatThrownBy(() -> StreamsDeadLetter.from(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "app")))
                .hasMessageContaining(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    }

    private static String header(ProducerRecord<byte[], byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
