package io.orderflow.platform.consumer;

import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what a consumer group dead-lettered back to the topics it came from, once the cause is
 * fixed: each record of {@code <group>.dlt} up to its end at the time of the call, byte for byte,
 * without the {@code dlt.*} headers. Progress is committed in the group {@code <group>.redrive}, so
 * a record is redriven once (at least once across a crash; the consumers drop duplicates by eventId).
 */
public final class Redrive {

    private static final Logger log = LoggerFactory.getLogger(Redrive.class);
    public static final String REDRIVEN_AT = "redriven.at";

    private Redrive() {
    }

    /** What a redrive did, per original topic. */
    public record Result(int redriven, Map<String, Integer> perTopic, int skipped) {
    }

    public static Result run(String bootstrapServers, String group, boolean dryRun) throws Exception {
        String dlt = Topics.deadLetterTopic(group);
        Map<String, Integer> perTopic = new HashMap<>();
        int skipped = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                KafkaClients.consumer(bootstrapServers, group + ".redrive", group + "-redrive"));
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                     KafkaClients.producer(bootstrapServers, group + "-redrive"))) {
            List<TopicPartition> partitions = consumer.partitionsFor(dlt, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(dlt, p.partition())).toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(partitions));
            for (TopicPartition tp : partitions) {
                OffsetAndMetadata c = committed.get(tp);
                if (c == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, c.offset());
                }
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Redrive of " + dlt + " did not reach the end within 2 minutes");
                }
                List<Future<RecordMetadata>> acks = new ArrayList<>();
                Map<TopicPartition, OffsetAndMetadata> progress = new HashMap<>();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue; // dead-lettered after we started: the next redrive takes it
                    }
                    progress.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                    Header origin = r.headers().lastHeader(DeadLetters.ORIGINAL_TOPIC);
                    if (origin == null) {
                        log.warn("{}-{}@{} has no {} header; left alone", r.topic(), r.partition(), r.offset(),
                                DeadLetters.ORIGINAL_TOPIC);
                        skipped++;
                        continue;
                    }
                    String topic = new String(origin.value(), StandardCharsets.UTF_8);
                    perTopic.merge(topic, 1, Integer::sum);
                    if (!dryRun) {
                        ProducerRecord<String, byte[]> again = new ProducerRecord<>(topic, null, r.key(), r.value());
                        for (Header h : r.headers()) {
                            if (!h.key().startsWith("dlt.")) {
                                again.headers().add(h);
                            }
                        }
                        again.headers().add(REDRIVEN_AT, java.time.Instant.now().toString().getBytes(StandardCharsets.UTF_8));
                        acks.add(producer.send(again));
                    }
                }
                for (Future<RecordMetadata> ack : acks) {
                    ack.get(60, TimeUnit.SECONDS); // bounded: a broker that is away fails the redrive, progress stays uncommitted
                }
                if (!dryRun && !progress.isEmpty()) {
                    consumer.commitSync(progress);
                }
            }
        }
        int total = perTopic.values().stream().mapToInt(Integer::intValue).sum();
        log.info("{} {} record(s) of {} to {}", dryRun ? "Would redrive" : "Redrove", total, dlt, perTopic);
        return new Result(total, Map.copyOf(perTopic), skipped);
    }
}
