package io.orderflow.coupon;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The coupons table: definitions, the catalog's bookkeeping and reads. Uses are taken and given back inside
 * {@link Redemptions#redeem} and {@link Redemptions#release}, by guarded updates within their one statement, so the
 * database (the coupon row's lock and the {@code remaining > 0} condition) prevents oversell, whatever the number of
 * service instances.
 */
final class CouponLedger {

    /** A coupon's columns, as {@link #coupon} reads them. */
    static final String COLUMNS = "code, discount_cents, currency, total_uses, remaining, valid_until";

    Optional<Coupon> find(Connection tx, String code) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM coupons WHERE code = ?")) {
            ps.setString(1, code);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(coupon(rs)) : Optional.empty();
            }
        }
    }

    List<Coupon> all(Connection tx) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + " FROM coupons ORDER BY code");
             ResultSet rs = ps.executeQuery()) {
            List<Coupon> coupons = new ArrayList<>();
            while (rs.next()) {
                coupons.add(coupon(rs));
            }
            return coupons;
        }
    }

    /** Adds a coupon unless one with its code exists; whether it was added. */
    boolean define(Connection tx, Coupon coupon) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO coupons (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT DO NOTHING")) {
            ps.setString(1, coupon.code());
            ps.setLong(2, coupon.discountCents());
            ps.setString(3, coupon.currency());
            setInteger(ps, 4, coupon.totalUses());
            setInteger(ps, 5, coupon.remaining());
            ps.setObject(6, coupon.validUntil() == null ? null : coupon.validUntil().atOffset(ZoneOffset.UTC));
            return ps.executeUpdate() == 1;
        }
    }

    /** The coupons whose current definition differs from the one last published, with that definition. */
    List<Coupon> unpublished(Connection tx) throws SQLException {
        List<Coupon> changed = new ArrayList<>();
        try (PreparedStatement ps = tx.prepareStatement("SELECT " + COLUMNS + ", published_definition FROM coupons "
                + "ORDER BY code"); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                Coupon c = coupon(rs);
                if (!fingerprint(c).equals(rs.getString("published_definition"))) {
                    changed.add(c);
                }
            }
        }
        return changed;
    }

    void markPublished(Connection tx, Coupon coupon) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE coupons SET published_definition = ? WHERE code = ?")) {
            ps.setString(1, fingerprint(coupon));
            ps.setString(2, coupon.code());
            ps.executeUpdate();
        }
    }

    /** What the catalog carries of a coupon (not {@code remaining}: that changes with every use). */
    static String fingerprint(Coupon c) {
        return c.code() + '|' + c.discountCents() + '|' + c.currency() + '|' + c.totalUses() + '|'
                + (c.validUntil() == null ? null : c.validUntil().toEpochMilli());
    }

    /** The coupon of the current row, read by the names of {@link #COLUMNS}. */
    static Coupon coupon(ResultSet rs) throws SQLException {
        OffsetDateTime validUntil = rs.getObject("valid_until", OffsetDateTime.class);
        return new Coupon(rs.getString("code"), rs.getLong("discount_cents"), rs.getString("currency"),
                rs.getObject("total_uses", Integer.class), rs.getObject("remaining", Integer.class),
                validUntil == null ? null : validUntil.toInstant());
    }

    private static void setInteger(PreparedStatement ps, int index, Integer value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.INTEGER);
        } else {
            ps.setInt(index, value);
        }
    }
}
