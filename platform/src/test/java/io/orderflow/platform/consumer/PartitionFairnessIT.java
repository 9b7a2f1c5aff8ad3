package io.orderflow.platform.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.platform.avro.AvroBinary;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A consumer loop with a backlog on each of its partitions works on all of them, not on one at a time.
 *
 * <p>The consumer drains one partition's fetched data before it hands out the next partition's, and with the
 * default {@code max.partition.fetch.bytes} (1 MB, lz4-compressed: over 10,000 of the flow's records) a loop of
 * coupon-service under a backlog worked one partition for tens of seconds while its other partition waited.
 * The saga saw no coupon result in that partition for longer than its 30 s step deadline and cancelled orders
 * that coupon-service would have answered (the bench's 2,000 and 3,000 req/s phases: 6,000 TIMEOUTs).
 */
class PartitionFairnessIT {

    private static final ConsumerHarness HARNESS = new ConsumerHarness();
    private static final int BACKLOG_PER_PARTITION = 5_000;
    private static final int FIRST = 1_000;

    @AfterAll
    static void stop() throws Exception {
        HARNESS.close();
    }

    @Test
    void theFirstRecordsPolledComeFromEveryPartitionWithABacklog() throws Exception {
        String bootstrap = HARNESS.stack.bootstrapServers();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.producer(bootstrap, "fairness"))) {
            for (int partition = 0; partition < 2; partition++) {
                for (int i = 0; i < BACKLOG_PER_PARTITION; i++) {
                    String orderId = ConsumerHarness.orderId("fair-p" + partition);
                    producer.send(new ProducerRecord<>(Topics.PAYMENTS_EVENTS.name(), partition, orderId,
                            AvroBinary.encode(ConsumerHarness.payment(orderId))));
                }
            }
            producer.flush();
        }

        List<ConsumerRecord<String, byte[]>> first = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                KafkaClients.consumer(bootstrap, "fairness-" + UUID.randomUUID(), "fairness"))) {
            consumer.subscribe(List.of(Topics.PAYMENTS_EVENTS.name()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (first.size() < FIRST && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(first::add);
            }
        }

        assertThat(first).as("records polled within 60 s").hasSizeGreaterThanOrEqualTo(FIRST);
        assertThat(first.subList(0, FIRST)).as("partitions of the first %d records polled", FIRST)
                .extracting(ConsumerRecord::partition).contains(0, 1);
    }
}
