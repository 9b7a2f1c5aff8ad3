package io.orderflow.order.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.platform.http.Problem;
import io.orderflow.platform.http.Problem.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A checkout request, validated field by field: every invalid field is named in the 400 answer. */
public record PlaceOrderRequest(String customerId, String currency, List<Item> items, String couponCode, long pointsToRedeem) {

    public static final int MAX_ITEMS = 100;
    public static final int MAX_QUANTITY = 10_000;
    public static final long MAX_UNIT_PRICE_CENTS = 100_000_000L;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    public record Item(String sku, int quantity, long unitPriceCents) {
    }

    public static PlaceOrderRequest parse(JsonNode json) {
        List<FieldError> errors = new ArrayList<>();
        String customerId = text(json, "customerId", errors, true);
        if (customerId != null && !ID.matcher(customerId).matches()) {
            errors.add(new FieldError("customerId", "must be 1-100 letters, digits or ._:@-"));
        }
        String currency = text(json, "currency", errors, true);
        if (currency != null && !CURRENCY.matcher(currency).matches()) {
            errors.add(new FieldError("currency", "must be an ISO 4217 code such as USD"));
        }
        List<Item> items = items(json.get("items"), errors);
        String couponCode = text(json, "couponCode", errors, false);
        if (couponCode != null && couponCode.isBlank()) {
            couponCode = null;
        }
        long points = 0;
        JsonNode p = json.get("pointsToRedeem");
        if (p != null && !p.isNull()) {
            if (!p.canConvertToLong() || !p.isIntegralNumber() || p.asLong() < 0) {
                errors.add(new FieldError("pointsToRedeem", "must be a whole number >= 0"));
            } else {
                points = p.asLong();
            }
        }
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
            String sku = text(item, "sku", errors, true, path + ".sku");
            JsonNode q = item.get("quantity");
            int quantity = 0;
            if (q == null || !q.isIntegralNumber() || q.asLong() < 1 || q.asLong() > MAX_QUANTITY) {
                errors.add(new FieldError(path + ".quantity", "must be a whole number from 1 to " + MAX_QUANTITY));
            } else {
                quantity = q.asInt();
            }
            JsonNode u = item.get("unitPriceCents");
            long unit = 0;
            if (u == null || !u.isIntegralNumber() || u.asLong() < 0 || u.asLong() > MAX_UNIT_PRICE_CENTS) {
                errors.add(new FieldError(path + ".unitPriceCents",
                        "must be a whole number of minor units from 0 to " + MAX_UNIT_PRICE_CENTS));
            } else {
                unit = u.asLong();
            }
            items.add(new Item(sku, quantity, unit));
        }
        return List.copyOf(items);
    }

    private static String text(JsonNode json, String field, List<FieldError> errors, boolean required) {
        return text(json, field, errors, required, field);
    }

    private static String text(JsonNode json, String field, List<FieldError> errors, boolean required, String path) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                errors.add(new FieldError(path, "is required"));
            }
            return null;
        }
        if (!node.isTextual()) {
            errors.add(new FieldError(path, "must be a string"));
            return null;
        }
        String value = node.asText().trim();
        if (required && value.isEmpty()) {
            errors.add(new FieldError(path, "must not be blank"));
            return null;
        }
        if (value.length() > 100) {
            errors.add(new FieldError(path, "must be at most 100 characters"));
            return null;
        }
        return value;
    }
}
