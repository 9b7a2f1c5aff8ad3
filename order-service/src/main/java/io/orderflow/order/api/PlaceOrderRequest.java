package io.orderflow.order.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.http.JsonFields;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.http.Problem.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A checkout request, validated field by field: every invalid field is named in the 400 answer.
 * The bounds keep every valid request inside the columns it is stored in (orders, V1): an order of
 * {@link #MAX_ITEMS} items whose SKUs are {@link #MAX_SKU_LENGTH} characters that JSON escapes
 * (quotes) still fits {@code items_json VARCHAR(20000)} (PlaceOrderRequestTest checks the worst case).
 */
public record PlaceOrderRequest(String customerId, String currency, List<Item> items, String couponCode, long pointsToRedeem) {

    public static final int MAX_ITEMS = 100;
    public static final int MAX_SKU_LENGTH = 64;
    public static final int MAX_QUANTITY = 10_000;
    public static final long MAX_UNIT_PRICE_CENTS = 100_000_000L;
    public static final long MAX_POINTS = 1_000_000_000_000L;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Pattern COUPON = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public record Item(String sku, int quantity, long unitPriceCents) {
    }

    public static PlaceOrderRequest parse(JsonNode json) {
        List<FieldError> errors = new ArrayList<>();
        String customerId = JsonFields.requiredText(json, "customerId", "customerId", 100, errors);
        if (customerId != null && !ID.matcher(customerId).matches()) {
            errors.add(new FieldError("customerId", "must be 1-100 letters, digits or ._:@- starting with a letter or digit"));
        }
        String currency = JsonFields.requiredText(json, "currency", "currency", 3, errors);
        if (currency != null && !CURRENCY.matcher(currency).matches()) {
            errors.add(new FieldError("currency", "must be an ISO 4217 code such as USD"));
        }
        List<Item> items = items(json.get("items"), errors);
        String couponCode = JsonFields.optionalText(json, "couponCode", "couponCode", 64, errors);
        if (couponCode != null && !COUPON.matcher(couponCode).matches()) {
            errors.add(new FieldError("couponCode", "must be 1-64 letters, digits, _ or -"));
        }
        long points = JsonFields.wholeNumber(json, "pointsToRedeem", "pointsToRedeem", 0, MAX_POINTS, 0L, errors);
        if (!errors.isEmpty()) {
            throw Problem.invalid(errors);
        }
        return new PlaceOrderRequest(customerId, currency, items, couponCode, points);
    }

    private static List<Item> items(JsonNode node, List<FieldError> errors) {
        if (node == null || node.isNull()) {
            errors.add(new FieldError("items", "is required"));
            return List.of();
        }
        if (!node.isArray() || node.isEmpty()) {
            errors.add(new FieldError("items", "must be a non-empty array"));
            return List.of();
        }
        if (node.size() > MAX_ITEMS) {
            errors.add(new FieldError("items", "must have at most " + MAX_ITEMS + " entries"));
            return List.of();
        }
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String path = "items[" + i + "]";
            if (!item.isObject()) {
                errors.add(new FieldError(path, "must be an object"));
                continue;
            }
            String sku = JsonFields.requiredText(item, "sku", path + ".sku", MAX_SKU_LENGTH, errors);
            long quantity = JsonFields.wholeNumber(item, "quantity", path + ".quantity", 1, MAX_QUANTITY, null, errors);
            long unit = JsonFields.wholeNumber(item, "unitPriceCents", path + ".unitPriceCents", 0, MAX_UNIT_PRICE_CENTS,
                    null, errors);
            items.add(new Item(sku, (int) quantity, unit));
        }
        return List.copyOf(items);
    }
}
