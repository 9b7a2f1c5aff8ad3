package io.orderflow.order.saga;

import io.orderflow.events.SagaStep;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Each participant's {@link StepProgress} in this task (a handful of keys per partition), in the
 * changelogged {@link SagaTopology#PROGRESS_STORE}: key {@code <kind>|<step>}, value
 * {@code <lastAt millis>|<position>}. It survives a restart and commits with the saga's writes.
 */
final class ProgressStore {

    private final KeyValueStore<String, String> store;

    ProgressStore(KeyValueStore<String, String> store) {
        this.store = store;
    }

    /** Records an answer seen at {@code at}. */
    void record(StepProgress.Signal signal, Instant at) {
        String key = key(signal.step(), signal.kind());
        StepProgress before = parse(store.get(key));
        StepProgress after = before == null
                ? new StepProgress(at, signal.position())
                : before.advance(at, signal.position());
        if (!after.equals(before)) {
            store.put(key, after.lastAt().toEpochMilli() + "|" + after.position());
        }
    }

    /** Every participant's progress now: read once per punctuation, not once per saga. */
    StepProgress.Lookup snapshot() {
        Map<String, StepProgress> all = new HashMap<>();
        try (KeyValueIterator<String, String> entries = store.all()) {
            while (entries.hasNext()) {
                KeyValue<String, String> entry = entries.next();
                all.put(entry.key, parse(entry.value));
            }
        }
        return (step, kind) -> all.get(key(step, kind));
    }

    static String key(SagaStep step, StepProgress.Kind kind) {
        return kind + "|" + step;
    }

    private static StepProgress parse(String value) {
        if (value == null) {
            return null;
        }
        int bar = value.indexOf('|');
        return new StepProgress(Instant.ofEpochMilli(Long.parseLong(value.substring(0, bar))),
                Long.parseLong(value.substring(bar + 1)));
    }
}
