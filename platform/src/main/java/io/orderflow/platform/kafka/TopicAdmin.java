package io.orderflow.platform.kafka;

import io.orderflow.schemas.Topic;
import io.orderflow.schemas.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics a service needs when they are missing. Every topic of the flow gets the same
 * partition count, so the saga's inputs are co-partitioned by orderId.
 */
public final class TopicAdmin {

    private static final Logger log = LoggerFactory.getLogger(TopicAdmin.class);

    private TopicAdmin() {
    }

    /** The flow's topics plus the dead-letter topics of the given consumer groups. */
    public static void ensureTopics(String bootstrapServers, int partitions, short replicationFactor,
                                    Collection<String> deadLetterGroups) {
        List<NewTopic> wanted = new ArrayList<>();
        for (Topic topic : Topics.ALL) {
            wanted.add(newTopic(topic.name(), topic.compacted() ? 1 : partitions, replicationFactor, topic.compacted()));
        }
        for (String group : deadLetterGroups) {
            wanted.add(newTopic(Topics.deadLetterTopic(group), partitions, replicationFactor, false));
        }
        try (Admin admin = Admin.create(KafkaClients.admin(bootstrapServers))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                log.info("Created topics {}", missing.stream().map(NewTopic::name).toList());
            } catch (ExecutionException e) {
                // Another service created some of them at the same moment: that is fine.
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                    throw e;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot create topics on " + bootstrapServers, e);
        }
    }

    private static NewTopic newTopic(String name, int partitions, short replicationFactor, boolean compacted) {
        // With RF 3, two in-sync copies must have a record before acks=all succeeds.
        String minIsr = String.valueOf(Math.max(1, Math.min(2, replicationFactor - 1)));
        return new NewTopic(name, partitions, replicationFactor).configs(Map.of(
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minIsr,
                TopicConfig.CLEANUP_POLICY_CONFIG, compacted ? TopicConfig.CLEANUP_POLICY_COMPACT : TopicConfig.CLEANUP_POLICY_DELETE));
    }
}
