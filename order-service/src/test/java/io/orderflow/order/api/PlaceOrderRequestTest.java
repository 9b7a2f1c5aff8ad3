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

    @Test
    void refusesNumbersBeyond64BitsInsteadOfWrappingThem() {
        assertThat(invalidFields("{\"customerId\":\"c-1\",\"currency\":\"USD\",\"items\":[{\"sku\":\"A\","
                + "\"quantity\":18446744073709551617,\"unitPriceCents\":18446744073709551616}],"
                + "\"pointsToRedeem\":-18446744073709551616}"))
                .containsExactlyInAnyOrder("items[0].quantity", "items[0].unitPriceCents", "pointsToRedeem");
    }

    @Test
    void refusesControlCharactersEvenAtTheEdgesWhereTrimmingWouldHideThem() {
        assertThat(invalidFields("{\"customerId\":\"c-1\",\"currency\":\"USD\",\"items\":[{\"sku\":\"A\\u0000\","
                + "\"quantity\":1,\"unitPriceCents\":1},{\"sku\":\"B\\u202Eevil\",\"quantity\":1,\"unitPriceCents\":1},"
                + "{\"sku\":\"\\ud800\",\"quantity\":1,\"unitPriceCents\":1}]}"))
                .containsExactly("items[0].sku", "items[1].sku", "items[2].sku");
    }

    @Test
    void theLargestValidOrderFitsTheItemsColumn() throws Exception {
        // 100 items whose SKUs are all quotes (each escaped to two characters) at the largest numbers.
        String sku = "\"".repeat(PlaceOrderRequest.MAX_SKU_LENGTH);
        List<io.orderflow.order.OrderRecord.Item> items = java.util.stream.IntStream.range(0, PlaceOrderRequest.MAX_ITEMS)
                .mapToObj(i -> new io.orderflow.order.OrderRecord.Item(sku, PlaceOrderRequest.MAX_QUANTITY,
                        PlaceOrderRequest.MAX_UNIT_PRICE_CENTS))
                .toList();

        // orders.items_json is VARCHAR(20000) (V1__orders_and_payments.sql)
        assertThat(Json.MAPPER.writeValueAsString(items).length()).isLessThanOrEqualTo(20_000);
    }

    @Test
    void refusesFieldsLongerThanTheirColumns() {
        String json = "{\"customerId\":\"" + "c".repeat(101) + "\",\"currency\":\"USD\",\"items\":[{\"sku\":\""
                + "s".repeat(PlaceOrderRequest.MAX_SKU_LENGTH + 1) + "\",\"quantity\":1,\"unitPriceCents\":1}],"
                + "\"couponCode\":\"" + "C".repeat(65) + "\"}";
        assertThat(invalidFields(json)).containsExactlyInAnyOrder("customerId", "items[0].sku", "couponCode");
    }
}
