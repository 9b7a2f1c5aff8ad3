package io.orderflow.platform.streams;

import io.orderflow.platform.failure.Failures;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record whose processing throws goes to the app's DLT as it was read (the source bytes, not what
 * the failing processor held), with the reason in {@code dlt.*} headers, and the app resumes with the
 * next record: one poison record never stops the others. Not dead-lettered, but failed (the thread is
 * replaced and the task retries from its last commit): transient failures, Streams' own errors (a
 * store, the producer) and failures in a punctuator, which have no source record to dead-letter.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

    private StreamsDeadLetter deadLetter;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetter = StreamsDeadLetter.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (record == null || context.topic() == null) {
            log.error("{}: punctuation of {} failed (task {}); failing the thread so it is retried", deadLetter.group(),
                    context.processorNodeId(), context.taskId(), exception);
            return Response.fail();
        }
        if (StreamsDeadLetter.isTransient(exception)) {
            log.warn("{}: processing {}-{}@{} failed for now; failing the thread so it is retried", deadLetter.group(),
                    context.topic(), context.partition(), context.offset(), exception);
            return Response.fail();
        }
        log.error("{}: dead-lettered {}-{}@{} (key {}) that {} cannot process to {}: {}", deadLetter.group(),
                context.topic(), context.partition(), context.offset(), record.key(), context.processorNodeId(),
                deadLetter.topic(), Failures.describe(exception), exception);
        return Response.resume(List.of(deadLetter.of(context.topic(), context.partition(), context.offset(),
                context.headers(), context.sourceRawKey(), context.sourceRawValue(), exception)));
    }
}
