package io.orderflow.notification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.OrderStatus;
import io.orderflow.schemas.Topics;
import io.orderflow.platform.testing.ServiceStack;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** notification-service against the real embedded Kafka and Schema Registry: events in, notifications out, HTTP. */
class NotificationServiceIT {

    @Test
    void tellsTheCustomerOnceAboutPaymentAndOutcome() throws Exception {
        List<Notification> sent = new CopyOnWriteArrayList<>();
        try (ServiceStack stack = ServiceStack.start();
             NotificationService service = NotificationService.create(
                     NotificationServiceConfig.fromEnv(stack.env()), sent::add)) {
            service.start();
            int port = service.httpPort();
            String order = "order-" + UUID.randomUUID();

            var completed = NotificationHandlerTest.status(order, OrderStatus.COMPLETED, null);
            stack.send(Topics.PAYMENTS_EVENTS, order, NotificationHandlerTest.payment(order, "cust-1", 2998, "USD"));
            stack.send(Topics.ORDERS_STATUS, order, completed);
            stack.send(Topics.ORDERS_STATUS, order, completed); // delivered twice

            await().atMost(Duration.ofSeconds(30)).until(() -> stack.get(port, "/notifications?orderId=" + order)
                    .body().contains("ORDER_CONFIRMED"));
            String body = stack.get(port, "/notifications?orderId=" + order).body();
            assertThat(body).contains("\"kind\":\"PAYMENT_RECEIVED\"").contains("29.98 USD").contains("\"createdAt\":\"");
            assertThat(sent).extracting(Notification::kind)
                    .containsExactly(Notification.Kind.PAYMENT_RECEIVED, Notification.Kind.ORDER_CONFIRMED);
            assertThat(stack.get(port, "/notifications").statusCode()).isEqualTo(400);
            assertThat(stack.get(port, "/notifications?customerId=cust-1").body()).contains(order);
        }
    }
}
