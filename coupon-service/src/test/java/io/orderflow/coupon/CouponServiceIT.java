package io.orderflow.coupon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.orderflow.events.CouponDefinition;
import io.orderflow.events.CouponRedeemed;
import io.orderflow.schemas.Topics;
import io.orderflow.platform.testing.ServiceStack;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** coupon-service against the real embedded Kafka and Schema Registry: catalog, redemption, HTTP. */
class CouponServiceIT {

    @Test
    void publishesTheCatalogAndRedeemsAPaidOrdersCoupon() throws Exception {
        try (ServiceStack stack = ServiceStack.start();
             CouponService service = CouponService.create(CouponServiceConfig.fromEnv(stack.env()))) {
            service.start();
            int port = service.httpPort();

            // The seeded coupons reach the compacted catalog topic
            try (var catalog = stack.read(Topics.COUPONS_CATALOG)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> catalog.poll().stream()
                        .map(r -> ((CouponDefinition) r).getCode()).toList().containsAll(java.util.List.of("WELCOME10", "FLASH100")));
            }

            // When a paid order with FLASH100 arrives
            String order = "order-" + UUID.randomUUID();
            stack.send(Topics.PAYMENTS_EVENTS, order, CouponHandlerTest.payment(order, "cust-it", "FLASH100"));

            // Then the coupon is redeemed and counted
            try (var events = stack.read(Topics.COUPON_EVENTS)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> events.poll().stream()
                        .anyMatch(e -> e instanceof CouponRedeemed r && r.getOrderId().equals(order) && r.getRemaining() == 99));
            }
            var coupon = stack.get(port, "/coupons/FLASH100");
            assertThat(coupon.statusCode()).isEqualTo(200);
            assertThat(coupon.body()).contains("\"remaining\":99").contains("\"totalUses\":100").contains("\"discountCents\":500");
            var unknown = stack.get(port, "/coupons/NOPE");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
    }
}
