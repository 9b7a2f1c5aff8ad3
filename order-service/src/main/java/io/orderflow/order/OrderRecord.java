package io.orderflow.order;

import java.time.Instant;
import java.util.List;

/** An order as order-service stores it and shows it. */
public record OrderRecord(
        String orderId,
        String customerId,
        String currency,
        String status,
        String reason,
        long subtotalCents,
        String couponCode,
        long discountCents,
        long pointsRedeemed,
        long amountCents,
        List<Item> items,
        List<Step> steps,
        List<StatusChange> history,
        String paymentStatus,
        Instant createdAt,
        Instant updatedAt) {

    public static final List<String> FINAL_STATUSES = List.of("COMPLETED", "CANCELLED", "FAILED");

    public boolean isFinal() {
        return FINAL_STATUSES.contains(status);
    }

    public record Item(String sku, int quantity, long unitPriceCents) {
    }

    /** One saga step's outcome with the time it was reached. */
    public record Step(String step, String state, String detail, Instant at) {
    }

    /** One status the order went through. */
    public record StatusChange(String status, String reason, Instant at) {
    }
}
