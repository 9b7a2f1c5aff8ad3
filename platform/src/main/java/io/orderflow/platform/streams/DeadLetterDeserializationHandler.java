package io.orderflow.platform.streams;

import io.orderflow.platform.failure.Failures;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record a Streams app cannot read goes to the app's DLT byte for byte, with the reason in
 * {@code dlt.*} headers, and the app goes on (in the same transaction as its other outputs under
 * exactly-once). A transient failure (registry unreachable) is never dead-lettered: the thread fails,
 * is replaced, and reads the record again.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    private StreamsDeadLetter deadLetter;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetter = StreamsDeadLetter.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        if (StreamsDeadLetter.isTransient(exception)) {
            log.warn("{}: cannot read {}-{}@{} for now; failing the thread so it is read again", deadLetter.group(),
                    record.topic(), record.partition(), record.offset(), exception);
            return Response.fail();
        }
        log.error("{}: dead-lettered unreadable record {}-{}@{} to {}: {}", deadLetter.group(), record.topic(),
                record.partition(), record.offset(), deadLetter.topic(), Failures.describe(exception), exception);
        return Response.resume(List.of(deadLetter.of(record.topic(), record.partition(), record.offset(),
                record.headers(), record.key(), record.value(), exception)));
    }
}
