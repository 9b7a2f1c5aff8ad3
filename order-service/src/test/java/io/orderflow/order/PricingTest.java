package io.orderflow.order;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.order.api.PlaceOrderRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

class PricingTest {

    private static PlaceOrderRequest order(long points, PlaceOrderRequest.Item... items) {
        return new PlaceOrderRequest("c-1", "USD", List.of(items), null, points);
    }

    @Test
    void subtractsCouponThenPoints() {
        Pricing p = Pricing.of(order(500, new PlaceOrderRequest.Item("BOOK-1", 2, 1999)), 1000);

        assertThat(p).isEqualTo(new Pricing(3998, 1000, 500, 2498));
    }

    @Test
    void neverChargesBelowZeroNorSpendsPointsBeyondThePrice() {
        Pricing p = Pricing.of(order(10_000, new PlaceOrderRequest.Item("PEN", 1, 1500)), 1000);

        assertThat(p).isEqualTo(new Pricing(1500, 1000, 500, 0));
        assertThat(Pricing.of(order(0, new PlaceOrderRequest.Item("PEN", 1, 300)), 1000))
                .isEqualTo(new Pricing(300, 300, 0, 0));
    }
}
