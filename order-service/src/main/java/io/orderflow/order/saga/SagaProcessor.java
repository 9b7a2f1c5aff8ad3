package io.orderflow.order.saga;

import io.orderflow.saga.SagaState;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The Streams plumbing around {@link Saga}: loads the order's saga from the state store, applies
 * the input, stores the result, keeps the deadline index in step and forwards what the saga emits.
 * A wall-clock punctuator applies the deadlines that passed; an input is applied at the later of
 * its record timestamp and the wall clock. Under exactly_once_v2 the store
 * writes, the emitted records and the input offsets commit together.
 */
final class SagaProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {

    private static final Logger log = LoggerFactory.getLogger(SagaProcessor.class);
    private static final String MDC_ORDER_ID = "orderId";

    private final SagaSettings settings;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, SagaState> sagas;
    private DeadlineIndex deadlines;

    SagaProcessor(SagaSettings settings) {
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.sagas = context.getStateStore(SagaTopology.STATE_STORE);
        this.deadlines = new DeadlineIndex(context.getStateStore(SagaTopology.DEADLINE_STORE));
        context.schedule(settings.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME,
                now -> applyDeadlines(Instant.ofEpochMilli(now)));
    }

    @Override
    public void process(Record<String, SpecificRecord> record) {
        String orderId = record.key();
        if (orderId == null || record.value() == null) {
            log.warn("Saga input without orderId key or value (key {}, value {}); ignored", orderId,
                    record.value() == null ? null : record.value().getSchema().getName());
            return;
        }
        MDC.put(MDC_ORDER_ID, orderId);
        try {
            SagaState current = sagas.get(orderId);
            // The later of event time and wall-clock time: a saga catching up on a backlog gives each
            // step its full deadline from when the saga saw the payment, not from when it was published.
            Instant now = Instant.ofEpochMilli(Math.max(record.timestamp(), context.currentSystemTimeMs()));
            Saga.Transition transition = Saga.apply(current, orderId, record.value(), now, settings);
            save(orderId, current, transition);
            for (SpecificRecord out : transition.emitted()) {
                context.forward(record.withValue(out));
            }
        } finally {
            MDC.remove(MDC_ORDER_ID);
        }
    }

    private void applyDeadlines(Instant now) {
        for (KeyValue<String, String> entry : deadlines.due(now)) {
            String orderId = entry.value;
            MDC.put(MDC_ORDER_ID, orderId);
            try {
                SagaState current = sagas.get(orderId);
                if (current == null || current.getDeadline() == null
                        || !DeadlineIndex.key(current.getDeadline().toEpochMilli(), orderId).equals(entry.key)) {
                    log.warn("Order {}: stale deadline entry {}; removed", orderId, entry.key);
                    deadlines.remove(entry.key);
                    continue;
                }
                Saga.Transition transition = Saga.deadlineCheck(current, now, settings);
                save(orderId, current, transition);
                for (SpecificRecord out : transition.emitted()) {
                    context.forward(new Record<>(orderId, out, now.toEpochMilli()));
                }
            } finally {
                MDC.remove(MDC_ORDER_ID);
            }
        }
    }

    private void save(String orderId, SagaState before, Saga.Transition transition) {
        if (!transition.changed()) {
            return;
        }
        SagaState after = transition.state();
        sagas.put(orderId, after);
        deadlines.move(orderId, before == null ? null : before.getDeadline(), after.getDeadline());
    }
}
