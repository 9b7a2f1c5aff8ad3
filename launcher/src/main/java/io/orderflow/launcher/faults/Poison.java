package io.orderflow.launcher.faults;

import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Poison on every topic a consumer reads, the saga's inputs included: bytes that are not the wire
 * format, and the wire format with a schema id the registry never issued. Each must land in the DLT
 * of every group that reads the topic, once, while everything else flows on.
 */
final class Poison {

    /** Which groups read which topic (the saga: payments, coupon and points events). */
    static final Map<String, List<String>> READERS = readers();

    /** The wire format's magic byte 0, then a schema id nobody registered, then some Avro-looking bytes. */
    static final byte[] UNKNOWN_SCHEMA_ID = ByteBuffer.allocate(9).put((byte) 0).putInt(2_000_000_001)
            .put(new byte[]{2, 4, 6, 8}).array();
    static final byte[] GARBAGE = "this is not avro".getBytes(StandardCharsets.UTF_8);

    private Poison() {
    }

    private static Map<String, List<String>> readers() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put(Topics.PAYMENTS_EVENTS.name(), List.of("coupon-service", "points-service", "notification-service", "order-saga"));
        m.put(Topics.COUPON_EVENTS.name(), List.of("order-saga"));
        m.put(Topics.POINTS_EVENTS.name(), List.of("order-saga"));
        m.put(Topics.COUPON_COMMANDS.name(), List.of("coupon-service"));
        m.put(Topics.POINTS_COMMANDS.name(), List.of("points-service"));
        m.put(Topics.PAYMENTS_COMMANDS.name(), List.of("order-service"));
        m.put(Topics.ORDERS_STATUS.name(), List.of("order-service", "notification-service"));
        return m;
    }

    /** Sends both kinds of poison to every consumed topic; returns how many records each group should dead-letter. */
    static Map<String, Long> inject(String bootstrapServers) throws Exception {
        Map<String, Long> expected = new LinkedHashMap<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.producer(bootstrapServers, "faults-poison"))) {
            for (Map.Entry<String, List<String>> e : READERS.entrySet()) {
                for (byte[] value : List.of(GARBAGE, UNKNOWN_SCHEMA_ID)) {
                    producer.send(new ProducerRecord<>(e.getKey(), UUID.randomUUID().toString(), value)).get(30, TimeUnit.SECONDS);
                    e.getValue().forEach(g -> expected.merge(g, 1L, Long::sum));
                }
            }
        }
        return expected;
    }
}
