package io.orderflow.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.PointsApplied;
import io.orderflow.schemas.Topics;
import io.orderflow.platform.testing.ServiceStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** points-service against the real embedded Kafka and Schema Registry: admin credit, redemption, HTTP. */
class PointsServiceIT {

    private static final String TOKEN = "points-it-admin-token-0123";
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void appliesAPaidOrdersPoints() throws Exception {
        try (ServiceStack stack = ServiceStack.start();
             PointsService service = PointsService.create(PointsServiceConfig.fromEnv(
                     stack.env().with(Map.of("ADMIN_TOKEN", TOKEN))))) {
            service.start();
            int port = service.httpPort();
            String customer = "cust-" + UUID.randomUUID();

            // Nobody without the operator's token mints points
            var anonymous = credit(port, customer, "{\"delta\": 1000000, \"reason\": \"free money\"}", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            assertThat(credit(port, customer, "{\"delta\": 1000000, \"reason\": \"free money\"}", "guess").statusCode())
                    .isEqualTo(401);
            assertThat(stack.get(port, "/customers/" + customer + "/points").body()).contains("\"balance\":0");

            // Given a customer credited 500 points by an operator
            var credit = credit(port, customer, "{\"delta\": 500, \"reason\": \"welcome\"}", TOKEN);
            assertThat(credit.statusCode()).isEqualTo(200);
            assertThat(credit.body()).contains("\"balance\":500");
            assertThat(credit(port, customer, "{\"delta\": \"lots\"}", TOKEN).statusCode()).isEqualTo(400);
            assertThat(credit(port, customer, "{\"delta\": 18446744073709551617, \"reason\": \"wrap\"}", TOKEN).body())
                    .contains("\"field\":\"delta\"");

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

    private static HttpResponse<String> credit(int port, String customer, String json, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/customers/" + customer + "/points"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
