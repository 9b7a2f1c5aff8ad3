package io.orderflow.order.saga;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The sagas waiting for their next due time ({@link Saga#nextDue}: a deadline, or when a finished
 * saga is deleted), ordered by it: key {@code <due millis, 20 digits>|<orderId>}, value the orderId.
 * Zero-padded millis sort as strings the way they sort as numbers, so the punctuator range-scans
 * only the due entries instead of every saga.
 */
final class DeadlineIndex {

    private static final String FIRST = key(0, "");

    private final KeyValueStore<String, String> store;

    DeadlineIndex(KeyValueStore<String, String> store) {
        this.store = store;
    }

    static String key(long deadlineMillis, String orderId) {
        return padded(deadlineMillis) + '|' + orderId;
    }

    /** {@code %020d} without a Formatter: this runs for every saga input. Deadlines are epoch millis, never negative. */
    static String padded(long millis) {
        String digits = Long.toString(millis);
        return "0".repeat(Math.max(0, 20 - digits.length())) + digits;
    }

    /** Moves {@code orderId} from its old due time to its new one (either may be null: not indexed). */
    void move(String orderId, Instant from, Instant to) {
        if (from != null && from.equals(to)) {
            return;
        }
        if (from != null) {
            store.delete(key(from.toEpochMilli(), orderId));
        }
        if (to != null) {
            store.put(key(to.toEpochMilli(), orderId), orderId);
        }
    }

    void remove(String indexKey) {
        store.delete(indexKey);
    }

    /** Every entry with a deadline at or before {@code now}, oldest first (read fully before anyone changes the index). */
    List<KeyValue<String, String>> due(Instant now) {
        // Keys of deadline now+1 start with this bound and are longer, so they sort after it: the range stops at now.
        String upTo = padded(now.toEpochMilli() + 1);
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> entries = store.range(FIRST, upTo)) {
            entries.forEachRemaining(due::add);
        }
        return due;
    }
}
