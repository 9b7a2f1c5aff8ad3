package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.coupon.CouponService;
import io.orderflow.order.OrderService;
import io.orderflow.platform.consumer.IdempotentConsumer;
import io.orderflow.platform.kafka.KafkaClients;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A coupon with 100 uses, 500 customers ordering with it at once, two coupon-service instances in one
 * consumer group sharing one database: exactly 100 orders get it, the other 400 are cancelled SOLD_OUT
 * with every effect undone, and the coupon ends at 0 remaining, never below.
 */
class NoOversellIT {

    private static final int ORDERS = 500;
    private static final int USES = 100;

    static TestStack stack;
    static CouponService secondCoupon;

    @BeforeAll
    static void start() throws Exception {
        // Six partitions, so the two coupon-service instances each get some.
        stack = TestStack.start(Map.of("TOPIC_PARTITIONS", "6"));
        secondCoupon = (CouponService) Services.create("coupon-service", stack.services.environment("coupon-service"));
        secondCoupon.start();
    }

    @AfterAll
    static void stop() {
        if (secondCoupon != null) {
            secondCoupon.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void fiveHundredConcurrentOrdersForAHundredUseCouponOnTwoCouponInstancesRedeemItExactlyAHundredTimes()
            throws Exception {
        // Given FLASH100 with its 100 uses, and two coupon-service instances each owning partitions of the group
        assertThat(stack.coupon("FLASH100").get("remaining").asInt()).isEqualTo(USES);
        awaitBothCouponInstancesOwnPartitions(((CouponService) stack.services.service("coupon-service")).runtime().consumers().size()
                + secondCoupon.runtime().consumers().size());

        // When 500 different customers order with FLASH100 at once (32 concurrent clients)
        Histogram postLatency = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 3);
        List<String> orderIds = new ArrayList<>();
        long startNanos = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<HttpJson.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < ORDERS; i++) {
                String body = HttpJson.order(String.format("flash-%03d", i), "FLASH100", 0);
                replies.add(pool.submit(() -> {
                    long t0 = System.nanoTime();
                    HttpJson.Reply reply = HttpJson.post(stack.url("order-service", "/orders"), body);
                    postLatency.recordValue(System.nanoTime() - t0);
                    return reply;
                }));
            }
            // Then every order is accepted at once
            for (Future<HttpJson.Reply> f : replies) {
                HttpJson.Reply reply = f.get(60, TimeUnit.SECONDS);
                assertThat(reply.status()).as("POST /orders: %s", reply.raw().body()).isEqualTo(202);
                orderIds.add(reply.body().get("orderId").asText());
            }
        } finally {
            pool.shutdownNow();
        }

        // And every order reaches a final status
        OrderService orders = (OrderService) stack.services.service("order-service");
        AtomicReference<Map<String, Long>> byStatus = new AtomicReference<>(Map.of());
        await("all " + ORDERS + " orders final").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    byStatus.set(statusCounts(orders));
                    assertThat(byStatus.get().getOrDefault("COMPLETED", 0L) + byStatus.get().getOrDefault("CANCELLED", 0L)
                            + byStatus.get().getOrDefault("FAILED", 0L)).as("final orders, by status %s", byStatus.get())
                            .isEqualTo(ORDERS);
                });
        long allFinalMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        System.out.printf("NoOversellIT: %d POST /orders (32 clients) p50 %.1f ms, p99 %.1f ms, max %.1f ms; "
                        + "all final after %d ms: %s%n", ORDERS, postLatency.getValueAtPercentile(50) / 1e6,
                postLatency.getValueAtPercentile(99) / 1e6, postLatency.getMaxValue() / 1e6, allFinalMillis, byStatus.get());

        // And exactly 100 are COMPLETED; the other 400 CANCELLED because FLASH100 was sold out
        Map<String, List<JsonNode>> finals = fetchAll(orderIds).stream()
                .collect(Collectors.groupingBy(o -> o.get("status").asText(), TreeMap::new, Collectors.toList()));
        assertThat(finals.keySet()).as("statuses").containsOnly("COMPLETED", "CANCELLED");
        assertThat(finals.get("COMPLETED")).hasSize(USES);
        assertThat(finals.get("CANCELLED")).hasSize(ORDERS - USES).allSatisfy(o -> {
            assertThat(o.get("reason").asText()).as("order %s", o).startsWith("COUPON_REJECTED").contains("SOLD_OUT");
            assertThat(o.get("payment").asText()).as("order %s", o).isEqualTo("REFUNDED");
        });
        assertThat(finals.get("COMPLETED")).allSatisfy(o ->
                assertThat(o.get("discountCents").asLong()).as("order %s", o).isEqualTo(500));

        // And the coupon has no use left, never fewer than none
        assertThat(stack.coupon("FLASH100").get("remaining").asInt()).isZero();

        // And both instances did part of the work
        long firstApplied = ((CouponService) stack.services.service("coupon-service")).runtime().consumers().stream()
                .mapToLong(IdempotentConsumer::appliedCount).sum();
        long secondApplied = secondCoupon.runtime().consumers().stream().mapToLong(IdempotentConsumer::appliedCount).sum();
        System.out.printf("NoOversellIT: coupon-service instance 1 applied %d records, instance 2 applied %d%n",
                firstApplied, secondApplied);
        assertThat(firstApplied).as("records applied by coupon-service instance 1").isPositive();
        assertThat(secondApplied).as("records applied by coupon-service instance 2").isPositive();

        // And the four databases tell one consistent story
        stack.assertInvariantsHold();
    }

    /** @param members the consumer loops of both instances (CONSUMER_THREADS each): every one a member with partitions */
    private static void awaitBothCouponInstancesOwnPartitions(int members) throws Exception {
        try (Admin admin = Admin.create(KafkaClients.admin(stack.devstack.bootstrapServers()))) {
            await("every coupon-service member of both instances, each with partitions").atMost(Duration.ofSeconds(60))
                    .untilAsserted(() -> {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of("coupon-service"))
                        .describedGroups().get("coupon-service").get();
                assertThat(group.members()).as("members of coupon-service: %s", group.members()).hasSize(members)
                        .allSatisfy((MemberDescription m) -> assertThat(m.assignment().topicPartitions()).isNotEmpty());
            });
        }
    }

    private static Map<String, Long> statusCounts(OrderService orders) throws Exception {
        Map<String, Long> counts = new TreeMap<>();
        try (Connection c = orders.runtime().db().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT status, COUNT(*) FROM orders GROUP BY status");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                counts.put(rs.getString(1), rs.getLong(2));
            }
        }
        return counts;
    }

    /** GET every order, with the same 32 clients. */
    private static List<JsonNode> fetchAll(List<String> orderIds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<JsonNode>> futures = new ArrayList<>();
            for (String id : orderIds) {
                futures.add(pool.submit(() -> HttpJson.get(stack.url("order-service", "/orders/" + id)).body()));
            }
            List<JsonNode> out = new ArrayList<>();
            for (Future<JsonNode> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
