package io.orderflow.platform.metrics;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far a consumer group is behind, per topic: the sum over its partitions of (end offset − committed
 * offset), asked of the broker, so it is right whichever member (or none) is running. Cached for a few
 * seconds: a scrape must not become a load on the broker. A group that committed nothing yet has no lag.
 */
final class GroupLag implements AutoCloseable {

    private static final long CACHE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Admin admin;
    private final Map<String, Map<String, Long>> cached = new HashMap<>();
    private final Map<String, Long> cachedAt = new HashMap<>();

    GroupLag(Admin admin) {
        this.admin = admin;
    }

    /** topic → records behind, for {@code group}; empty when the broker cannot be asked now. */
    synchronized Map<String, Long> lag(String group) {
        Long at = cachedAt.get(group);
        if (at != null && System.nanoTime() - at < CACHE_NANOS) {
            return cached.get(group);
        }
        Map<String, Long> perTopic;
        try {
            Map<String, Long> sums = new HashMap<>();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
            committed.forEach((tp, offset) -> {
                if (offset != null) {
                    ask.put(tp, OffsetSpec.latest());
                }
            });
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = ask.isEmpty() ? Map.of()
                    : admin.listOffsets(ask).all().get(5, TimeUnit.SECONDS);
            ends.forEach((tp, end) -> sums.merge(tp.topic(), Math.max(0, end.offset() - committed.get(tp).offset()), Long::sum));
            perTopic = sums;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            perTopic = cached.getOrDefault(group, Map.of());
        }
        cached.put(group, perTopic);
        cachedAt.put(group, System.nanoTime());
        return perTopic;
    }

    @Override
    public void close() {
        admin.close();
    }
}
