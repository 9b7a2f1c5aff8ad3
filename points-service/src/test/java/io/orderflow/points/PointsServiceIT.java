package io.orderflow.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.PointsApplied;
import io.orderflow.schemas.Topics;
import io.orderflow.platform.testing.ServiceStack;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** points-service against the real embedded Kafka and Schema Registry: admin credit, redemption, HTTP. */
class PointsServiceIT {

    @Test
    void appliesAPaidOrdersPoints() throws Exception {
        try (ServiceStack stack = ServiceStack.start();
             PointsService service = PointsService.create(PointsServiceConfig.fromEnv(stack.env()))) {
            service.start();
            int port = service.httpPort();
            String customer = "cust-" + UUID.randomUUID();

            // Given a customer credited 500 points by an operator
            var credit = stack.post(port, "/customers/" + customer + "/points", "{\"delta\": 500, \"reason\": \"welcome\"}");
            assertThat(credit.statusCode()).isEqualTo(200);
            assertThat(credit.body()).contains("\"balance\":500");
            assertThat(stack.post(port, "/customers/" + customer + "/points", "{\"delta\": \"lots\"}").statusCode())
                    .isEqualTo(400);

            // When an order redeeming 200 and paying 29.99 is paid
            String order = "order-" + UUID.randomUUID();
            stack.send(Topics.PAYMENTS_EVENTS, order, PointsHandlerTest.payment(order, customer, 200, 2999));

            // Then 200 are spent, 29 earned
            try (var events = stack.read(Topics.POINTS_EVENTS)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> events.poll().stream()
                        .anyMatch(e -> e instanceof PointsApplied a && a.getOrderId().equals(order) && a.getBalanceAfter() == 329));
            }
            assertThat(stack.get(port, "/customers/" + customer + "/points").body())
                    .isEqualTo("{\"customerId\":\"" + customer + "\",\"balance\":329}");
            assertThat(stack.get(port, "/customers/" + customer + "/ledger").body())
                    .contains("\"kind\":\"ADJUST\"").contains("\"kind\":\"REDEEM\"").contains("\"kind\":\"EARN\"");
            assertThat(stack.get(port, "/customers/nobody/points").body()).contains("\"balance\":0");
        }
    }
}
