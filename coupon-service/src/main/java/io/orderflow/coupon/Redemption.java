package io.orderflow.coupon;

import java.time.Instant;

/** One order's use of a coupon. */
public record Redemption(String orderId, String code, String customerId, long discountCents, Status status,
                         Instant redeemedAt, Instant releasedAt) {

    public enum Status { REDEEMED, RELEASED }
}
