package io.orderflow.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

/** The consumer defaults that the fault matrix showed matter. */
class KafkaClientsTest {

    @Test
    void aCrashedConsumersPartitionsMoveWellWithinTheSagasStepDeadline() {
        // The saga gives a step 30 s (SAGA_STEP_DEADLINE); a member killed with kill -9 keeps its partitions
        // until its session expires. With Kafka's default of 45 s, every order in flight timed out.
        Properties p = KafkaClients.consumer("localhost:9092", "group", "client");
        int session = Integer.parseInt(p.get(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG).toString());
        int heartbeat = Integer.parseInt(p.get(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG).toString());
        assertThat(session).isLessThanOrEqualTo(10_000);
        // Kafka's advice: a heartbeat at most a third of the session, so one lost heartbeat is not an eviction.
        assertThat(heartbeat * 3).isLessThanOrEqualTo(session);
    }
}
