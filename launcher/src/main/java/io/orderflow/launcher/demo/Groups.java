package io.orderflow.launcher.demo;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** A consumer group's position as the Admin API sees it: committed offsets, lag, and moving them (group stopped). */
final class Groups {

    private Groups() {
    }

    static List<TopicPartition> partitions(Admin admin, String topic) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        return d.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, Collection<TopicPartition> partitions) throws Exception {
        return offsets(admin, partitions, OffsetSpec.latest());
    }

    static Map<TopicPartition, Long> offsets(Admin admin, Collection<TopicPartition> partitions, OffsetSpec spec)
            throws Exception {
        Map<TopicPartition, OffsetSpec> request = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> spec));
        Map<TopicPartition, Long> result = new HashMap<>();
        admin.listOffsets(request).all().get().forEach((tp, info) -> result.put(tp, info.offset()));
        return result;
    }

    /** The group's committed offsets on {@code topic} (0 where it has none). */
    static Map<TopicPartition, Long> committed(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> all = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> result = new HashMap<>();
        for (TopicPartition tp : partitions(admin, topic)) {
            OffsetAndMetadata o = all.get(tp);
            result.put(tp, o == null ? 0L : o.offset());
        }
        return result;
    }

    /** Records of {@code topic} the group has not committed yet (end offset minus committed, summed). */
    static long lag(Admin admin, String group, String topic) throws Exception {
        Map<TopicPartition, Long> committed = committed(admin, group, topic);
        Map<TopicPartition, Long> end = endOffsets(admin, committed.keySet());
        return committed.entrySet().stream().mapToLong(e -> Math.max(0, end.get(e.getKey()) - e.getValue())).sum();
    }

    /** Sets the group's offsets (the group must have no members: stop its service first). */
    static void alter(Admin admin, String group, Map<TopicPartition, Long> offsets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> request = new HashMap<>();
        offsets.forEach((tp, o) -> request.put(tp, new OffsetAndMetadata(o)));
        admin.alterConsumerGroupOffsets(group, request).all().get();
    }

    /**
     * Moves the group back by {@code k} records of {@code topic} in all (taken from the partitions with the
     * most committed records); returns how many it moved back (less than k only if the topic holds fewer).
     */
    static long rewind(Admin admin, String group, String topic, long k) throws Exception {
        Map<TopicPartition, Long> committed = committed(admin, group, topic);
        Map<TopicPartition, Long> earliest = offsets(admin, committed.keySet(), OffsetSpec.earliest());
        Map<TopicPartition, Long> target = new HashMap<>(committed);
        long left = k;
        while (left > 0) {
            TopicPartition most = null;
            for (TopicPartition tp : target.keySet()) {
                long room = target.get(tp) - earliest.get(tp);
                if (room > 0 && (most == null || room > target.get(most) - earliest.get(most))) {
                    most = tp;
                }
            }
            if (most == null) {
                break;
            }
            target.put(most, target.get(most) - 1);
            left--;
        }
        alter(admin, group, target);
        return k - left;
    }

    /** Back to the beginning of {@code topics} (the group must have no members). */
    static void toBeginning(Admin admin, String group, List<String> topics) throws Exception {
        Map<TopicPartition, Long> target = new HashMap<>();
        for (String topic : topics) {
            target.putAll(offsets(admin, partitions(admin, topic), OffsetSpec.earliest()));
        }
        alter(admin, group, target);
    }
}
