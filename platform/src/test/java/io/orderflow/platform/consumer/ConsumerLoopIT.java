package io.orderflow.platform.consumer;

import static io.orderflow.platform.consumer.ConsumerHarness.effects;
import static io.orderflow.platform.consumer.ConsumerHarness.header;
import static io.orderflow.platform.consumer.ConsumerHarness.orderId;
import static io.orderflow.platform.consumer.ConsumerHarness.payment;
import static io.orderflow.platform.consumer.ConsumerHarness.recordEffect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.platform.db.Database;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.platform.testing.TestDatabase;
import io.orderflow.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.GroupState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The consumer loop survives what ends a poll thread in production: a rebalance during a batch, the
 * broker gone mid-batch for longer than {@code max.poll.interval.ms}, a DLT that cannot be written.
 * Real broker, registry and database; the faults are real too (a second member, a stopped broker,
 * a missing DLT topic).
 */
class ConsumerLoopIT {

    private static ConsumerHarness harness;

    @BeforeAll
    static void startStack() {
        harness = new ConsumerHarness();
    }

    @AfterAll
    static void stopStack() throws Exception {
        harness.close();
    }

    @AfterEach
    void closeTestResources() throws Exception {
        harness.afterEach();
    }

    private static String kind() {
        return TestDatabase.kinds().get(0);
    }

    private IdempotentConsumer start(Database db, String group, EventHandler handler, Map<String, ?> overrides,
                                     KafkaProducer<String, byte[]> dltProducer) {
        Properties props = harness.consumerProps(group, overrides);
        IdempotentConsumer consumer = new IdempotentConsumer(group, props, List.of(Topics.PAYMENTS_EVENTS),
                harness.serde.deserializer(), db, handler, new DeadLetters(group, dltProducer),
                new RetryPolicy(3, Duration.ofMillis(50), Duration.ofMillis(500)));
        consumer.start();
        return harness.closeAfterTest(consumer);
    }

    /** A handler that blocks the first delivery of {@code key} until released, then records the effect. */
    private static final class SlowOnce implements EventHandler {
        final String key;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        private final AtomicBoolean blocked = new AtomicBoolean();

        SlowOnce(String key) {
            this.key = key;
        }

        @Override
        public void handle(ConsumedEvent event, java.sql.Connection tx) throws Exception {
            if (event.key().equals(key) && blocked.compareAndSet(false, true)) {
                entered.countDown();
                if (!release.await(90, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never released the slow batch");
                }
            }
            recordEffect().handle(event, tx);
        }

        void awaitEntered() throws InterruptedException {
            assertThat(entered.await(30, TimeUnit.SECONDS)).as("the slow record reached the handler").isTrue();
        }
    }

    private static List<String> sendToBothPartitions(String what, int perPartition) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < perPartition; i++) {
            for (int partition = 0; partition < 2; partition++) {
                String key = orderId(what + "-p" + partition);
                harness.send(partition, key, harness.wire(payment(key)));
                keys.add(key);
            }
        }
        return keys;
    }

    private static void awaitAppliedOnce(Database db, List<String> keys) {
        for (String key : keys) {
            await(key + " applied").atMost(Duration.ofSeconds(60)).until(() -> effects(db, key) >= 1);
        }
        for (String key : keys) {
            try {
                assertThat(effects(db, key)).as("effects of %s", key).isEqualTo(1);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    private static GroupState groupState(String group) throws Exception {
        try (Admin admin = Admin.create(KafkaClients.admin(harness.stack.bootstrapServers()))) {
            return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(10, TimeUnit.SECONDS)
                    .groupState();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cooperative-sticky", "range"})
    void aSecondInstanceJoiningDuringASlowBatchMakesTheCommitFailButNotTheLoop(String assignor) throws Exception {
        Database db = harness.database(kind());
        String group = "it-rebalance-" + java.util.UUID.randomUUID();
        harness.createDeadLetterTopic(group);
        String slowKey = orderId("slow");
        SlowOnce handler = new SlowOnce(slowKey);
        Map<String, Object> props = Map.of(
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor.equals("range")
                        ? RangeAssignor.class.getName() : CooperativeStickyAssignor.class.getName(),
                // The member learns of the rebalance within a fraction of a second.
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 100);

        // Given a single member busy with a slow batch, and more records of both partitions behind it
        harness.send(0, slowKey, harness.wire(payment(slowKey)));
        IdempotentConsumer first = start(db, group, handler, props, harness.dltProducer(group));
        handler.awaitEntered();
        List<String> before = new ArrayList<>(sendToBothPartitions("before", 2));
        before.add(slowKey);

        // When a second instance joins the group during that batch
        IdempotentConsumer second = start(db, group, handler, props, harness.dltProducer(group));
        await("the group rebalances").atMost(Duration.ofSeconds(30)).until(() -> groupState(group) == GroupState.PREPARING_REBALANCE);
        // (a few heartbeats, so the first member knows it must rejoin when it is released: not needed for
        // the assertions, but it makes its next commit meet the rebalance)
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
        handler.release.countDown();

        // Then the first member's commits may fail (the group is rebalancing), but its loop lives on:
        // everything is applied once, and both members share the later records
        awaitAppliedOnce(db, before);
        long firstBefore = first.appliedCount();
        List<String> after = sendToBothPartitions("after", 3);
        awaitAppliedOnce(db, after);
        assertThat(first.restartCount()).as("the first member's loop never had to be restarted").isZero();
        assertThat(first.ready()).as("the first member is ready").isTrue();
        await("the first member applies records after the rebalance").atMost(Duration.ofSeconds(30))
                .until(() -> first.appliedCount() > firstBefore);
        assertThat(second.appliedCount()).as("the second member got a partition").isPositive();
    }

    @Test
    void theLoopRunsAgainAfterTheBrokerWasGoneLongerThanMaxPollIntervalInTheMiddleOfABatch() throws Exception {
        Database db = harness.database(kind());
        String group = "it-outage-" + java.util.UUID.randomUUID();
        harness.createDeadLetterTopic(group);
        String slowKey = orderId("slow");
        SlowOnce handler = new SlowOnce(slowKey);
        harness.send(0, slowKey, harness.wire(payment(slowKey)));
        List<String> keys = new ArrayList<>(sendToBothPartitions("outage", 2));
        keys.add(slowKey);
        IdempotentConsumer consumer = start(db, group, handler, Map.of(
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 3_000,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000,
                ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000), harness.dltProducer(group));

        // Given a batch in the handler
        handler.awaitEntered();
        assertThat(consumer.ready()).isTrue();
        // When the broker goes away for longer than max.poll.interval.ms
        harness.stack.kafka().stop();
        try {
            // Then readiness goes DOWN: the loop has not polled within max.poll.interval.ms
            await("readiness DOWN while the batch is stuck").atMost(Duration.ofSeconds(30)).until(() -> !consumer.ready());
            // and when the batch finishes while the broker is still away, its offset commit times out: the loop
            // closes its consumer and starts a new one (instead of its thread ending for good)
            handler.release.countDown();
            await("the loop restarts").atMost(Duration.ofSeconds(60)).until(() -> consumer.restartCount() >= 1);
        } finally {
            harness.stack.kafka().start();
        }

        // Then once the broker is back the loop runs again, readiness is UP, and every record is applied once
        awaitAppliedOnce(db, keys);
        String late = orderId("late");
        harness.send(late, harness.wire(payment(late)));
        awaitAppliedOnce(db, List.of(late));
        await("readiness UP").atMost(Duration.ofSeconds(30)).until(consumer::ready);
        assertThat(consumer.duplicateCount()).as("the batch whose commit failed was redelivered and skipped").isPositive();
    }

    @Test
    void aDeadLetterThatCannotBeSentDoesNotSkipTheRecord() throws Exception {
        Database db = harness.database(kind());
        String group = "it-dlt-down-" + java.util.UUID.randomUUID();
        // Given a group whose DLT topic does not exist (auto-creation is off): every DLT send fails
        IdempotentConsumer consumer = start(db, group, recordEffect(), Map.of(), harness.dltProducer(group));
        String key = orderId("dlt-down");
        harness.send(0, key, "{\"not\":\"avro\"}".getBytes(StandardCharsets.UTF_8));
        harness.send(0, key, harness.wire(payment(key)));

        // When the poison record cannot be dead-lettered for a while
        await("DLT sends have failed a few times").atMost(Duration.ofSeconds(60))
                .until(() -> consumer.transientRetryCount() >= 3);
        assertThat(effects(db, key)).as("the record behind the poison one waits").isZero();
        assertThat(consumer.deadLetteredCount()).isZero();

        // Then once the DLT exists, the poison record is in it and the partition moves on
        harness.createDeadLetterTopic(group);
        await("the good record applied").atMost(Duration.ofSeconds(60)).until(() -> effects(db, key) == 1);
        var dead = harness.deadLettered(group, key, 1);
        assertThat(dead).hasSize(1);
        assertThat(header(dead.get(0), DeadLetters.EXCEPTION_MESSAGE)).contains("magic byte");
        assertThat(header(dead.get(0), DeadLetters.FAILURE_KIND)).isEqualTo("POISON");
        assertThat(consumer.restartCount()).as("a failed DLT send is retried in the loop, not a crash").isZero();
    }
}
