package io.orderflow.launcher.demo;

import io.orderflow.events.OrderStatusChanged;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reference 002 (the problems a queue brings: order): Kafka orders per partition, and the key picks the partition. */
final class OrderingDemo implements Demo {

    @Override
    public String name() {
        return "ordering";
    }

    @Override
    public String title() {
        return "per key, not global: each order's events in order across 6 partitions";
    }

    private static boolean endsWith(List<String> timeline, List<String> events) {
        return events != null && !events.isEmpty() && events.size() <= timeline.size()
                && timeline.subList(timeline.size() - events.size(), timeline.size()).equals(events);
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        int n = out.count(60, 20);
        String run = "ordering-" + Long.toString(System.currentTimeMillis(), 36);
        Set<String> ids = new HashSet<>();
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = stack.place(Http.order(run + "-c" + i, null, i % 4 == 0 ? 50 : 0)); // some cancelled: more statuses
            ids.add(id);
            placed.add(id);
        }
        Map<String, List<String>> expected = new HashMap<>();
        for (String id : placed) {
            List<String> timeline = new ArrayList<>();
            stack.awaitFinal(id, Duration.ofSeconds(60)).path("timeline").forEach(t -> timeline.add(t.path("status").asText()));
            expected.put(id, timeline);
        }
        out.say("Placed %d orders; their status changes went to %s, keyed by orderId.", n, Topics.ORDERS_STATUS.name());
        // Read the topic as a consumer does (all partitions, in the order poll() returns them).
        String topic = Topics.ORDERS_STATUS.name();
        AvroSerde serde = new AvroSerde(new HttpSchemaRegistryClient(stack.registry()));
        Map<String, List<String>> seen = new HashMap<>();
        Map<String, Set<Integer>> partitionsOfOrder = new HashMap<>();
        Map<Integer, Integer> perPartition = new TreeMap<>();
        long inversions = 0;
        long ofRun = 0;
        long latestTimestamp = Long.MIN_VALUE;
        Properties props = KafkaClients.consumer(stack.bootstrap(), "ordering-demo-" + run, "ordering-demo");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (Admin admin = stack.admin(); KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = Groups.partitions(admin, topic);
            Map<TopicPartition, Long> end = Groups.endOffsets(admin, partitions);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (!ids.contains(r.key())) {
                        continue;
                    }
                    SpecificRecord event = serde.deserialize(topic, r.value());
                    if (!(event instanceof OrderStatusChanged changed)) {
                        continue;
                    }
                    ofRun++;
                    seen.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(changed.getStatus().name());
                    partitionsOfOrder.computeIfAbsent(r.key(), k -> new HashSet<>()).add(r.partition());
                    perPartition.merge(r.partition(), 1, Integer::sum);
                    if (r.timestamp() < latestTimestamp) {
                        inversions++;
                    }
                    latestTimestamp = Math.max(latestTimestamp, r.timestamp());
                }
            }
        }
        long onePartition = partitionsOfOrder.values().stream().filter(s -> s.size() == 1).count();
        // The timeline starts with PENDING, written by checkout itself; the events carry every later status.
        long inOrder = placed.stream().filter(id -> endsWith(expected.get(id), seen.get(id))).count();
        out.say("%d events of these orders, per partition: %s", ofRun, perPartition);
        out.check(onePartition == n, "every order's events are in one partition: %d of %d", onePartition, n);
        out.check(inOrder == n, "each order's statuses arrive in the order of its timeline: %d of %d", inOrder, n);
        out.say("globally they do not: %d of %d events arrived after an event produced later (other partitions).",
                inversions, ofRun);
        out.check(perPartition.size() > 1, "the work is spread over %d partitions (parallel consumers)", perPartition.size());
        out.say("Why: a global order would mean one partition and one consumer. Business order matters per order");
        out.say("only (PENDING before COMPLETED), so keying every event by orderId is enough and scales.");
        out.headline("%d/%d orders in order, %d global inversions", inOrder, n, inversions);
    }
}
