package io.orderflow.platform.consumer;

import io.orderflow.platform.failure.FailureKind;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * How often the record a partition is stuck on has failed, in memory (a restart or a rebalance starts
 * the count again: at worst a few more tries). One record per partition at a time, because a partition
 * never gets past a record that was neither applied nor dead-lettered.
 */
final class FailedAttempts {

    /** Failures so far of the record at {@code offset}: all of them, and those of unknown kind. */
    record Attempt(long offset, int total, int unknown) {
    }

    private final Map<TopicPartition, Attempt> stuck = new HashMap<>();

    /** Counts one more failure of the record at {@code offset}. */
    Attempt failed(TopicPartition partition, long offset, FailureKind kind) {
        Attempt before = stuck.get(partition);
        Attempt now = before == null || before.offset() != offset
                ? new Attempt(offset, 1, kind == FailureKind.UNKNOWN ? 1 : 0)
                : new Attempt(offset, before.total() + 1, before.unknown() + (kind == FailureKind.UNKNOWN ? 1 : 0));
        stuck.put(partition, now);
        return now;
    }

    /** The partition got past {@code offset}: applied or dead-lettered. */
    void settled(TopicPartition partition, long offset) {
        Attempt a = stuck.get(partition);
        if (a != null && a.offset() <= offset) {
            stuck.remove(partition);
        }
    }

    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(stuck::remove);
    }
}
