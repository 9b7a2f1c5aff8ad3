package io.orderflow.order.saga;

import io.orderflow.platform.avro.AvroBinary;
import io.orderflow.platform.crash.CrashPoints;
import io.orderflow.platform.kafka.TraceContext;
import io.orderflow.saga.SagaState;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The Streams plumbing around {@link Saga}: loads the order's saga from the state store, applies
 * the input, stores the result, keeps the deadline index in step and forwards what the saga emits,
 * each record with its own {@code eventId}/{@code eventType} headers and the input's trace continued.
 * A wall-clock punctuator applies the deadlines that passed and deletes finished sagas whose
 * retention passed (a tombstone in the changelog). Every step result and acknowledgement also advances
 * its participant's progress in this task ({@link ProgressStore}), which the deadlines consult to tell a
 * step behind a backlog from a dead one. An input is applied at the later of its record
 * timestamp and the wall clock. Under exactly_once_v2 the store writes, the emitted records, the dead
 * letters and the input offsets commit together.
 *
 * <p>An input that cannot be applied (no key, no value, an exception in {@link Saga#apply}) throws;
 * the app's processing exception handler dead-letters it and the saga goes on with the next record.
 */
final class SagaProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(SagaProcessor.class);
    private static final String MDC_ORDER_ID = "orderId";

    private final SagaSettings settings;
    private final LongAdder extensions;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, SagaState> sagas;
    private DeadlineIndex deadlines;
    private ProgressStore progress;

    /** @param extensions counts the deadlines extended because their step was behind a backlog */
    SagaProcessor(SagaSettings settings, LongAdder extensions) {
        this.settings = settings;
        this.extensions = extensions;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.sagas = context.getStateStore(SagaTopology.STATE_STORE);
        this.deadlines = new DeadlineIndex(context.getStateStore(SagaTopology.DEADLINE_STORE));
        this.progress = new ProgressStore(context.getStateStore(SagaTopology.PROGRESS_STORE));
        context.schedule(settings.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME,
                now -> applyDeadlines(Instant.ofEpochMilli(now)));
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        String orderId = record.key();
        if (orderId == null) {
            throw new IllegalArgumentException("Saga input without key: every event of the flow is keyed by its orderId");
        }
        if (record.value() == null) {
            throw new IllegalArgumentException("Saga input for order " + orderId + " without value (a tombstone)");
        }
        MDC.put(MDC_ORDER_ID, orderId);
        try {
            SagaState current = sagas.get(orderId);
            // The later of event time and wall-clock time: a saga catching up on a backlog gives each
            // step its full deadline from when the saga saw the payment, not from when it was published.
            Instant now = Instant.ofEpochMilli(Math.max(record.timestamp(), context.currentSystemTimeMs()));
            long offset = context.recordMetadata().map(RecordMetadata::offset).orElse(StepProgress.UNKNOWN);
            Saga.Transition transition = Saga.apply(current, orderId, record.value(), now, settings, offset);
            // Any answer of a participant, even one this saga ignores (late, repeated), shows it alive: when
            // this task saw it by the wall clock, which the deadlines are checked against (not a record
            // timestamp that may run ahead of it).
            Instant seen = Instant.ofEpochMilli(context.currentSystemTimeMs());
            Saga.signal(current, record.value()).ifPresent(signal -> progress.record(signal, seen));
            TraceContext input = TraceContext.fromHeaders(record.headers());
            if (transition.changed()) {
                rememberTrace(transition.state(), input);
            }
            save(orderId, current, transition);
            forward(orderId, transition.emitted(), record.timestamp(),
                    input.traceparent() != null ? input : storedTrace(orderId, transition.state()));
            CrashPoints.hit(CrashPoints.SAGA_AFTER_FORWARD);
        } finally {
            MDC.remove(MDC_ORDER_ID);
        }
    }

    private void applyDeadlines(Instant now) {
        List<KeyValue<String, String>> dueEntries = deadlines.due(now);
        StepProgress.Lookup steps = dueEntries.isEmpty() ? StepProgress.Lookup.NONE : progress.snapshot();
        for (KeyValue<String, String> entry : dueEntries) {
            String orderId = entry.value;
            MDC.put(MDC_ORDER_ID, orderId);
            try {
                SagaState current = sagas.get(orderId);
                Instant due = current == null ? null : Saga.nextDue(current);
                if (due == null || !DeadlineIndex.key(due.toEpochMilli(), orderId).equals(entry.key)) {
                    log.warn("Order {}: stale deadline entry {}; removed", orderId, entry.key);
                    deadlines.remove(entry.key);
                    continue;
                }
                applyDeadline(orderId, current, entry.key, now, steps);
            } finally {
                MDC.remove(MDC_ORDER_ID);
            }
        }
    }

    private void applyDeadline(String orderId, SagaState current, String indexKey, Instant now,
                               StepProgress.Lookup steps) {
        try {
            if (Saga.purgeDue(current, now)) {
                sagas.delete(orderId);
                deadlines.remove(indexKey);
                log.debug("Order {}: saga {} deleted, its retention passed", orderId, current.getStatus());
                return;
            }
            Saga.Transition transition = Saga.deadlineCheck(current, now, settings, steps);
            if (transition.state().getDeadlineExtensions() > current.getDeadlineExtensions()) {
                extensions.increment();
            }
            save(orderId, current, transition);
            forward(orderId, transition.emitted(), now.toEpochMilli(), storedTrace(orderId, transition.state()));
        } catch (StreamsException e) {
            throw e; // the store or the producer: Streams' own error, retried by replacing the thread
        } catch (RuntimeException e) {
            // A bug in one saga's deadline must not stop the others' nor fail the thread on every punctuation.
            Instant retryAt = now.plus(settings.compensationDeadline());
            log.error("Order {}: applying its deadline failed; the other sagas go on, this one is tried again at {}",
                    orderId, retryAt, e);
            SagaState parked = SagaState.newBuilder(current).build();
            if (parked.getDeadline() != null) {
                parked.setDeadline(retryAt);
            } else {
                parked.setPurgeAt(retryAt);
            }
            sagas.put(orderId, parked);
            deadlines.move(orderId, Saga.nextDue(current), retryAt);
        }
    }

    private void save(String orderId, SagaState before, Saga.Transition transition) {
        if (!transition.changed()) {
            return;
        }
        SagaState after = transition.state();
        sagas.put(orderId, after);
        deadlines.move(orderId, before == null ? null : Saga.nextDue(before), Saga.nextDue(after));
    }

    /** Each output is a new event: its own eventId and eventType, the same trace one span further. */
    private void forward(String orderId, List<SpecificRecord> emitted, long timestamp, TraceContext trace) {
        for (SpecificRecord out : emitted) {
            Headers headers = new RecordHeaders();
            header(headers, TraceContext.EVENT_ID, AvroBinary.eventId(out));
            header(headers, TraceContext.EVENT_TYPE, out.getSchema().getFullName());
            TraceContext next = trace.nextSpan();
            header(headers, TraceContext.CORRELATION_ID, next.correlationId());
            header(headers, TraceContext.TRACEPARENT, next.traceparent());
            context.forward(new Record<>(orderId, out, timestamp, headers));
        }
    }

    /** The saga keeps the trace of its first input, for what its deadlines emit later. */
    private static void rememberTrace(SagaState state, TraceContext input) {
        if (state.getTraceparent() == null && input.traceparent() != null) {
            state.setCorrelationId(input.correlationId());
            state.setTraceparent(input.traceparent());
        }
    }

    private static TraceContext storedTrace(String orderId, SagaState state) {
        if (state != null && state.getTraceparent() != null) {
            return new TraceContext(state.getCorrelationId(), state.getTraceparent());
        }
        return TraceContext.start(orderId);
    }

    private static void header(Headers headers, String name, String value) {
        if (value != null) {
            headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        }
    }
}
