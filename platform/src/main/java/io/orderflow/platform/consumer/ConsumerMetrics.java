package io.orderflow.platform.consumer;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What one consumer loop counts, across the KafkaConsumers it goes through; read by {@code /metrics}. */
final class ConsumerMetrics {

    final AtomicLong applied = new AtomicLong();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong deadLettered = new AtomicLong();
    /** Times a partition was paused to retry a record after a transient failure. */
    final AtomicLong transientRetries = new AtomicLong();
    /** Times the loop failed and a new KafkaConsumer was created. */
    final AtomicLong restarts = new AtomicLong();
    /** Partitions paused right now, waiting to retry a record. */
    final AtomicInteger pausedPartitions = new AtomicInteger();
}
