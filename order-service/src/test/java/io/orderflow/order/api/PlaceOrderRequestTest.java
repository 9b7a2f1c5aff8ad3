package io.orderflow.order.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.orderflow.platform.http.Json;
import io.orderflow.platform.http.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlaceOrderRequestTest {

    private static PlaceOrderRequest parse(String json) throws Exception {
        return PlaceOrderRequest.parse(Json.MAPPER.readTree(json));
    }

    private static List<String> invalidFields(String json) {
        Problem p = catchThrowableOfType(Problem.class, () -> parse(json));
        assertThat(p.status()).isEqualTo(400);
        @SuppressWarnings("unchecked")
        List<Problem.FieldError> errors = (List<Problem.FieldError>) p.body("/orders").get("errors");
        return errors.stream().map(Problem.FieldError::field).toList();
    }

    @Test
    void parsesTheReadmeExample() throws Exception {
        PlaceOrderRequest r = parse("{\"customerId\":\"c-1\",\"currency\":\"USD\",\"items\":[{\"sku\":\"BOOK-1\","
                + "\"quantity\":2,\"unitPriceCents\":1999}],\"couponCode\":\"WELCOME10\",\"pointsToRedeem\":0}");

        assertThat(r).isEqualTo(new PlaceOrderRequest("c-1", "USD",
                List.of(new PlaceOrderRequest.Item("BOOK-1", 2, 1999)), "WELCOME10", 0));
    }

    @Test
    void namesEveryInvalidField() {
        assertThat(invalidFields("{\"customerId\":\"\",\"currency\":\"usd\",\"items\":[{\"sku\":\"A\",\"quantity\":0,"
                + "\"unitPriceCents\":-1}],\"pointsToRedeem\":-5}"))
                .containsExactlyInAnyOrder("customerId", "currency", "items[0].quantity", "items[0].unitPriceCents",
                        "pointsToRedeem");
    }

    @Test
    void refusesMissingItemsAndWrongTypes() {
        assertThat(invalidFields("{\"customerId\":\"c-1\",\"currency\":\"USD\"}")).containsExactly("items");
        assertThat(invalidFields("{\"customerId\":7,\"currency\":\"USD\",\"items\":[{\"sku\":\"A\",\"quantity\":1.5,"
                + "\"unitPriceCents\":\"9\"}]}"))
                .containsExactlyInAnyOrder("customerId", "items[0].quantity", "items[0].unitPriceCents");
    }
}
