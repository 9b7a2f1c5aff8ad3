package io.orderflow.platform.consumer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The order in which one poll's records are applied in one transaction. Concurrent batches (several consumer
 * threads or members) must take their row locks in one global order, or they deadlock and fall back to one
 * record at a time: so records go in the order of their handler's {@link EventHandler#lockKey}, e.g. the
 * customer whose account they lock. A record key's records stay together, in offset order, under the lock key
 * of the first of them (a key lives in one partition): per-key ordering is never traded for lock order.
 */
public final class BatchOrder {

    private BatchOrder() {
    }

    /** {@code items} (one partition's in offset order) by lock key, then record key; a new list. */
    public static <T> List<T> sort(List<T> items, Function<T, String> recordKey, Function<T, String> lockKey) {
        Map<String, String> lockOfKey = new HashMap<>();
        for (T item : items) {
            lockOfKey.computeIfAbsent(nonNull(recordKey.apply(item)), k -> nonNull(lockKey.apply(item)));
        }
        List<T> sorted = new ArrayList<>(items);
        // Stable: the records of one record key keep their offset order.
        sorted.sort(Comparator.<T, String>comparing(item -> lockOfKey.get(nonNull(recordKey.apply(item))))
                .thenComparing(item -> nonNull(recordKey.apply(item))));
        return sorted;
    }

    private static String nonNull(String key) {
        return key == null ? "" : key;
    }
}
