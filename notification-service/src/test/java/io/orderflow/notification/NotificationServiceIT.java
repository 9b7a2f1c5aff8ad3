package io.orderflow.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.OrderStatus;
import io.orderflow.platform.kafka.TopicAdmin;
import io.orderflow.platform.testing.ServiceStack;
import io.orderflow.schemas.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** notification-service against the real embedded Kafka and Schema Registry: events in, notifications out, HTTP. */
class NotificationServiceIT {

    @Test
    void tellsTheCustomerOnceAboutPaymentAndOutcome() throws Exception {
        List<Notification> sent = new CopyOnWriteArrayList<>();
        try (ServiceStack stack = ServiceStack.start();
             NotificationService service = NotificationService.create(
                     NotificationServiceConfig.fromEnv(stack.env()), (key, n) -> sent.add(n))) {
            service.start();
            int port = service.httpPort();
            String order = "order-" + UUID.randomUUID();

            var completed = NotificationHandlerTest.status(order, OrderStatus.COMPLETED, null);
            stack.send(Topics.PAYMENTS_EVENTS, order, NotificationHandlerTest.payment(order, "cust-1", 2998, "USD"));
            stack.send(Topics.ORDERS_STATUS, order, completed);
            stack.send(Topics.ORDERS_STATUS, order, completed); // delivered twice

            await().atMost(Duration.ofSeconds(30)).until(() -> sent.size() >= 2 && stack.get(port,
                    "/notifications?orderId=" + order).body().contains("\"status\":\"SENT\""));
            String body = stack.get(port, "/notifications?orderId=" + order).body();
            assertThat(body).contains("\"kind\":\"PAYMENT_RECEIVED\"").contains("29.98 USD").contains("\"createdAt\":\"");
            assertThat(sent).extracting(Notification::kind)
                    .containsExactly(Notification.Kind.PAYMENT_RECEIVED, Notification.Kind.ORDER_CONFIRMED);
            assertThat(stack.get(port, "/notifications").statusCode()).isEqualTo(400);
            assertThat(stack.get(port, "/notifications?customerId=cust-1").body()).contains(order);
        }
    }

    /**
     * The sender fails once, for the second notification of a batch the consumer polled at once. When
     * the sender ran inside the consumer's transaction, that rolled the batch back and its replay, record
     * by record, sent the first notification again. Now each notification reaches the customer once.
     */
    @Test
    void aFailedSendNeverMakesAnotherNotificationGoOutTwice() throws Exception {
        Map<String, Integer> delivered = new ConcurrentHashMap<>();
        AtomicInteger calls = new AtomicInteger();
        NotificationSender flaky = (key, n) -> {
            if (calls.incrementAndGet() == 2) {
                throw new IllegalStateException("provider timed out");
            }
            delivered.merge(key, 1, Integer::sum);
        };
        try (ServiceStack stack = ServiceStack.start()) {
            String order = "order-" + UUID.randomUUID();
            var payment = NotificationHandlerTest.payment(order, "cust-2", 1000, "EUR");
            var completed = NotificationHandlerTest.status(order, OrderStatus.COMPLETED, null);
            // Published before the service starts, so its first poll takes them together.
            TopicAdmin.ensureTopics(stack.env().string("KAFKA_BOOTSTRAP_SERVERS", null),
                    stack.env().integer("TOPIC_PARTITIONS", 1), (short) 1, List.of());
            stack.send(Topics.PAYMENTS_EVENTS, order, payment);
            stack.send(Topics.ORDERS_STATUS, order, completed);
            try (NotificationService service = NotificationService.create(NotificationServiceConfig.fromEnv(stack.env()),
                    flaky)) {
                service.start();

                await("both notifications delivered").atMost(Duration.ofSeconds(30)).until(() -> delivered.size() == 2);
                // Nothing else is pending that could still go out.
                await().atMost(Duration.ofSeconds(30)).until(() -> stack.get(service.httpPort(), "/notifications/pending")
                        .body().contains("\"pending\":0"));
            }
            assertThat(delivered).as("deliveries per notification").containsOnly(
                    Map.entry("orderflow-notification-" + payment.getEventId(), 1),
                    Map.entry("orderflow-notification-" + completed.getEventId(), 1));
        }
    }

    /**
     * While the sender is stuck (a slow provider, or the rate limit), the consumer still records every
     * notification: it never waits for the sender, and no transaction stays open meanwhile.
     */
    @Test
    void theConsumerKeepsRecordingWhileTheSenderIsStuck() throws Exception {
        CountDownLatch providerBack = new CountDownLatch(1);
        List<String> delivered = new CopyOnWriteArrayList<>();
        NotificationSender stuck = (key, n) -> {
            if (!providerBack.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the provider");
            }
            delivered.add(key);
        };
        try (ServiceStack stack = ServiceStack.start();
             NotificationService service = NotificationService.create(NotificationServiceConfig.fromEnv(
                     stack.env().with(Map.of("NOTIFICATION_MAX_PER_SECOND", "50"))), stuck)) {
            service.start();
            int port = service.httpPort();
            for (int i = 0; i < 5; i++) {
                String order = "order-" + UUID.randomUUID();
                stack.send(Topics.PAYMENTS_EVENTS, order, NotificationHandlerTest.payment(order, "cust-3", 100 + i, "EUR"));
            }

            await("all 5 recorded while the sender is stuck on the first").atMost(Duration.ofSeconds(30))
                    .until(() -> stack.get(port, "/notifications?customerId=cust-3").body().split("\"orderId\"").length - 1 == 5);
            assertThat(delivered).isEmpty();
            assertThat(stack.get(port, "/notifications/pending").body()).contains("\"pending\":5");

            providerBack.countDown();

            await("all 5 sent").atMost(Duration.ofSeconds(30)).until(() -> delivered.size() == 5);
            await().atMost(Duration.ofSeconds(30)).until(() -> stack.get(port, "/notifications/pending").body()
                    .contains("\"pending\":0"));
            assertThat(delivered).doesNotHaveDuplicates();
        }
    }
}
