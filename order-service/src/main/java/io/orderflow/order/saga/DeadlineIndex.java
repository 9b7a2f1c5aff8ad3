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
        return String.format("%020d|%s", deadlineMillis, orderId);
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
        String upTo = String.format("%020d", now.toEpochMilli() + 1);
        List<KeyValue<String, String>> due = new ArrayList<>();
        try (KeyValueIterator<String, String> entries = store.range(FIRST, upTo)) {
            entries.forEachRemaining(due::add);
        }
        return due;
    }
}
