package io.orderflow.platform.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchOrderTest {

    /** A record: its key, what its handler locks, and its offset. */
    record Rec(String key, String lock, int offset) {
    }

    @Test
    void appliesByLockKeyAndKeepsEachRecordKeysRecordsTogetherInOffsetOrder() {
        List<Rec> poll = List.of(
                new Rec("order-1", "cust-b", 0),
                new Rec("order-2", "cust-a", 1),
                new Rec("order-1", "cust-z", 2), // names another lock: stays with order-1, after its offset 0
                new Rec("order-3", "cust-a", 3),
                new Rec("order-2", "cust-a", 4));

        List<Rec> ordered = BatchOrder.sort(poll, Rec::key, Rec::lock);

        assertThat(ordered).extracting(Rec::offset).containsExactly(1, 4, 3, 0, 2);
    }

    @Test
    void nullKeysSortFirst() {
        List<Rec> ordered = BatchOrder.sort(List.of(new Rec("k", "b", 0), new Rec(null, null, 1)), Rec::key, Rec::lock);

        assertThat(ordered).extracting(Rec::offset).containsExactly(1, 0);
    }
}
