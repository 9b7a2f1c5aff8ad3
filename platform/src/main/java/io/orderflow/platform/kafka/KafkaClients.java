package io.orderflow.platform.kafka;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Client configurations with the safe defaults of this project; callers add their overrides on
 * top ({@code putAll} after, or {@code putIfAbsent} before).
 */
public final class KafkaClients {

    private KafkaClients() {
    }

    /** A producer that loses nothing and duplicates nothing on retry. Keys are strings, values bytes. */
    public static Properties producer(String bootstrapServers, String clientId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        // Acknowledged only when every in-sync replica has it: an ack then survives a broker loss.
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Retries cannot duplicate or reorder records within a partition.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        // A few ms of batching buys throughput at no visible latency for asynchronous events.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** A consumer whose offsets move only when the application commits them, after its own work. */
    public static Properties consumer(String bootstrapServers, String groupId, String clientId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        // Commit after the DB transaction that applied the records, never before (no message loss).
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A new group starts from the beginning of the log: nothing published before it started is skipped.
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Never see records of aborted Kafka Streams transactions (the saga writes with exactly_once_v2).
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        // The consumer hands out one partition's fetched data before the next partition's. With the default 1 MB
        // per partition (lz4: over 10,000 of the flow's records) a loop behind on two partitions worked one for tens
        // of seconds while the other waited, and the saga timed out orders on the waiting one (PartitionFairnessIT).
        // 32 KB (a few hundred records) per partition and fetch keeps every partition moving.
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 32 * 1024);
        // A member killed without leaving (kill -9, a crashed host) holds its partitions until its session
        // expires, even when its restart asks to join: 10 s, not the default 45 s, which outlasted the saga's
        // 30 s step deadline and turned a 5 s service crash into TIMEOUT cancellations (fault matrix, service-kill).
        // Heartbeats have their own thread, so a long batch does not count against it.
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        // Values stay bytes until the loop decodes them, so a poison record reaches the DLT byte for byte.
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }

    public static Properties admin(String bootstrapServers) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return p;
    }

    public static Properties with(Properties base, Map<String, ?> overrides) {
        Properties p = new Properties();
        p.putAll(base);
        p.putAll(overrides);
        return p;
    }
}
