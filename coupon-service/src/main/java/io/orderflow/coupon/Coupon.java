package io.orderflow.coupon;

import java.time.Instant;

/**
 * A coupon as stored: its definition and how many uses are left.
 *
 * @param totalUses null = unlimited
 * @param remaining null = unlimited
 * @param validUntil null = no end
 */
public record Coupon(String code, long discountCents, String currency, Integer totalUses, Integer remaining,
                     Instant validUntil) {

    /** A new coupon with every use still available. */
    public static Coupon define(String code, long discountCents, String currency, Integer totalUses, Instant validUntil) {
        return new Coupon(code, discountCents, currency, totalUses, totalUses, validUntil);
    }

    public boolean expiredAt(Instant when) {
        return validUntil != null && when.isAfter(validUntil);
    }

    public boolean limited() {
        return totalUses != null;
    }
}
