package io.orderflow.order;

import io.orderflow.order.api.PlaceOrderRequest;

/**
 * The price of an order: subtotal − coupon discount − redeemed points (1 point = 1 minor unit),
 * never below 0. Points beyond what is left to pay are not spent.
 */
public record Pricing(long subtotalCents, long discountCents, long pointsRedeemed, long amountCents) {

    public static Pricing of(PlaceOrderRequest request, long couponDiscountCents) {
        long subtotal = 0;
        for (PlaceOrderRequest.Item item : request.items()) {
            subtotal = Math.addExact(subtotal, Math.multiplyExact(item.unitPriceCents(), (long) item.quantity()));
        }
        long discount = Math.min(couponDiscountCents, subtotal);
        long points = Math.min(request.pointsToRedeem(), subtotal - discount);
        return new Pricing(subtotal, discount, points, subtotal - discount - points);
    }
}
