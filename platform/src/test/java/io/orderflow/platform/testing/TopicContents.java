package io.orderflow.platform.testing;

import static org.awaitility.Awaitility.await;

import io.orderflow.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** What a topic holds, read raw from the beginning without a consumer group (nothing is committed). */
public final class TopicContents {

    private TopicContents() {
    }

    /** Every record of {@code topic}, from the beginning to the end offsets as of the call. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrapServers, String topic) {
        return read(bootstrapServers, topic, -1);
    }

    /** The records of {@code topic} from the beginning, waiting (bounded) until there are at least {@code count}. */
    public static List<ConsumerRecord<String, byte[]>> awaitAtLeast(String bootstrapServers, String topic, int count) {
        return read(bootstrapServers, topic, count);
    }

    private static List<ConsumerRecord<String, byte[]>> read(String bootstrapServers, String topic, int atLeast) {
        Properties props = KafkaClients.consumer(bootstrapServers, "unused", "test-reader");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            await("read " + topic).atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
                return atLeast >= 0 ? out.size() >= atLeast
                        : partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return out;
    }
}
