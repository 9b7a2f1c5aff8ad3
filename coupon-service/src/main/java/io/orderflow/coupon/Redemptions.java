package io.orderflow.coupon;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * Redemptions, the per-customer guard (active_coupon_uses) and the cancelled-orders lock. A record takes two
 * statements here (plus its outbox row): {@link #lockOrder}, then {@link #redeem} or {@link #release}, each one
 * statement whose checks are folded into its writes (data-modifying CTEs), so a record costs few round trips.
 *
 * <p>The lock must stay a statement of its own: a statement reads one snapshot, taken when it starts, so the
 * checks that follow the lock must start after the lock is held to see what the transaction that held it before
 * committed (its redemption, its cancellation). Within {@link #redeem}, the guarded decrement of the coupon re-reads
 * the coupon's newest row once it holds its lock, as a single UPDATE always did.
 *
 * <p>The unique constraints are the last guard against a race between orders of one customer (its other order,
 * on another instance, redeeming the same coupon at the same moment): a violated one aborts the whole transaction
 * (on PostgreSQL any failed statement does), so it is left to throw and the consumer loop retries the record,
 * which then sees the committed winner.
 */
final class Redemptions {

    /**
     * Serializes every transaction that handles an event of {@code orderId}, across instances, until the
     * transaction ends: the row is created on first sight, else locked (ON CONFLICT DO UPDATE locks the existing
     * row FOR UPDATE, as SELECT ... FOR UPDATE did, before its WHERE; {@code WHERE false} then writes nothing).
     * One statement either way. A concurrent first sight waits for the other inserter, then locks its row.
     */
    void lockOrder(Connection tx, String orderId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO order_locks (order_id) VALUES (?) "
                + "ON CONFLICT (order_id) DO UPDATE SET order_id = EXCLUDED.order_id WHERE false")) {
            ps.setString(1, orderId);
            ps.executeUpdate();
        }
    }

    /**
     * What {@link #redeem} found and did. The checks, in the order the handler reports them: {@code cancelled},
     * {@code redeemedBefore}, {@code coupon} absent (unknown), {@code expired}, {@code currencyMatches},
     * {@code inUse}; then {@code granted} (false for a limited coupon with no use left) and, for a limited
     * coupon granted, {@code remainingAfter}.
     */
    record Attempt(boolean cancelled, boolean redeemedBefore, Optional<Coupon> coupon, boolean expired,
                   boolean currencyMatches, boolean inUse, boolean granted, Integer remainingAfter) {
    }

    /**
     * Redeems {@code code} for the order when every check passes, in ONE statement: reads the order's state,
     * the coupon and the customer's active use, and only when the order is neither cancelled nor redeemed, the
     * coupon is known, valid at {@code paidAt}, in {@code currency} and not in use by the customer, takes a use of
     * a limited coupon (the guarded decrement: never below zero, whatever runs concurrently) and records the
     * redemption and the customer's active use. An unlimited coupon's row is not written at all (no hot row).
     * Call with the order locked ({@link #lockOrder}). Throws on a lost race (see class doc).
     */
    Attempt redeem(Connection tx, String orderId, String code, String customerId, String currency, Instant paidAt,
                   Instant at) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(REDEEM)) {
            int i = 1;
            ps.setString(i++, code);
            ps.setString(i++, orderId);
            ps.setString(i++, orderId);
            ps.setString(i++, code);
            ps.setString(i++, customerId);
            ps.setObject(i++, paidAt.atOffset(ZoneOffset.UTC));
            ps.setString(i++, currency);
            ps.setString(i++, code);
            ps.setString(i++, orderId);
            ps.setString(i++, customerId);
            ps.setObject(i++, at.atOffset(ZoneOffset.UTC));
            ps.setString(i++, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("the redeem statement returned no row for order " + orderId);
                }
                Optional<Coupon> coupon = rs.getString("code") == null ? Optional.empty()
                        : Optional.of(CouponLedger.coupon(rs));
                return new Attempt(rs.getBoolean("cancelled"), rs.getBoolean("redeemed_before"), coupon,
                        rs.getBoolean("expired"), rs.getBoolean("currency_matches"), rs.getBoolean("in_use"),
                        rs.getBoolean("granted"), rs.getObject("remaining_after", Integer.class));
            }
        }
    }

    // Every write selects from the one before, so none happens unless "eligible" has the coupon; "taken" is the
    // guarded decrement (the condition of the lone UPDATE it replaces), run only for a limited coupon. The checks read one
    // snapshot, taken after lockOrder returned: what concerns this order is current; another order of the same
    // customer and coupon committing meanwhile is caught by active_coupon_uses' primary key (class doc).
    // Expired: paid after valid_until, as Coupon.expiredAt says (occurredAt is timestamp-millis, valid_until
    // microseconds: both exact in timestamptz, so "after" is the same comparison).
    private static final String REDEEM = "WITH coupon AS ("
            + "SELECT " + CouponLedger.COLUMNS + " FROM coupons WHERE code = ?), "
            + "checked AS (SELECT EXISTS (SELECT 1 FROM cancelled_orders WHERE order_id = ?) AS cancelled, "
            + "EXISTS (SELECT 1 FROM redemptions WHERE order_id = ?) AS redeemed_before, "
            + "EXISTS (SELECT 1 FROM active_coupon_uses WHERE code = ? AND customer_id = ?) AS in_use, "
            + "coupon.valid_until IS NOT NULL AND ?::timestamptz > coupon.valid_until AS expired, "
            + "coupon.currency IS NOT DISTINCT FROM ? AS currency_matches, coupon.* "
            + "FROM (SELECT 1 AS one) AS one LEFT JOIN coupon ON true), "
            + "eligible AS (SELECT code, discount_cents, total_uses FROM checked WHERE code IS NOT NULL "
            + "AND NOT cancelled AND NOT redeemed_before AND NOT expired AND currency_matches AND NOT in_use), "
            + "taken AS (UPDATE coupons SET remaining = remaining - 1 WHERE code = ? AND (remaining IS NULL OR remaining > 0) "
            + "AND EXISTS (SELECT 1 FROM eligible WHERE total_uses IS NOT NULL) RETURNING remaining), "
            + "granted AS (SELECT code, discount_cents FROM eligible "
            + "WHERE total_uses IS NULL OR EXISTS (SELECT 1 FROM taken)), "
            + "recorded AS (INSERT INTO redemptions (order_id, code, customer_id, discount_cents, status, redeemed_at) "
            + "SELECT ?, code, ?, discount_cents, 'REDEEMED', ?::timestamptz FROM granted RETURNING order_id, code), "
            + "used AS (INSERT INTO active_coupon_uses (code, customer_id, order_id) SELECT code, ?, order_id FROM recorded) "
            + "SELECT checked.*, EXISTS (SELECT 1 FROM recorded) AS granted, (SELECT remaining FROM taken) AS remaining_after "
            + "FROM checked";

    /** What {@link #release} found and did: the order's redemption, if any, and whether this call released it. */
    record Release(Optional<String> code, Optional<String> customerId, boolean releasedNow) {
    }

    /**
     * The saga's compensation for the order, in ONE statement: locks the order against any later redemption
     * (idempotent), and if its redemption is active, marks it RELEASED, frees the customer's use and gives the
     * coupon's use back (no-op for an unlimited coupon) — at most once, whatever the number of calls. Call with
     * the order locked ({@link #lockOrder}).
     */
    Release release(Connection tx, String orderId, Instant at) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(RELEASE)) {
            int i = 1;
            ps.setString(i++, orderId);
            ps.setObject(i++, at.atOffset(ZoneOffset.UTC));
            ps.setObject(i++, at.atOffset(ZoneOffset.UTC));
            ps.setString(i++, orderId);
            ps.setString(i++, orderId);
            ps.setString(i++, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("the release statement returned no row for order " + orderId);
                }
                return new Release(Optional.ofNullable(rs.getString("code")),
                        Optional.ofNullable(rs.getString("customer_id")), rs.getBoolean("released_now"));
            }
        }
    }

    // The writes after the guarded UPDATE of the redemption select from it, so they happen only when it did: a
    // use is given back at most once. The final SELECT reads the redemption as the statement's snapshot has it
    // (before the UPDATE), which is all it needs: its code and customer, and that it exists.
    private static final String RELEASE = "WITH cancelled AS ("
            + "INSERT INTO cancelled_orders (order_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING), "
            + "released AS (UPDATE redemptions SET status = 'RELEASED', released_at = ? "
            + "WHERE order_id = ? AND status = 'REDEEMED' RETURNING code), "
            + "freed AS (DELETE FROM active_coupon_uses WHERE order_id = ? AND EXISTS (SELECT 1 FROM released)), "
            + "given_back AS (UPDATE coupons SET remaining = remaining + 1 "
            + "WHERE code = (SELECT code FROM released) AND remaining IS NOT NULL) "
            + "SELECT r.code, r.customer_id, EXISTS (SELECT 1 FROM released) AS released_now "
            + "FROM (SELECT 1) AS one LEFT JOIN redemptions r ON r.order_id = ?";

    Optional<Redemption> find(Connection tx, String orderId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT order_id, code, customer_id, discount_cents, status, "
                + "redeemed_at, released_at FROM redemptions WHERE order_id = ?")) {
            ps.setString(1, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                OffsetDateTime released = rs.getObject("released_at", OffsetDateTime.class);
                return Optional.of(new Redemption(rs.getString("order_id"), rs.getString("code"),
                        rs.getString("customer_id"), rs.getLong("discount_cents"),
                        Redemption.Status.valueOf(rs.getString("status")),
                        rs.getObject("redeemed_at", OffsetDateTime.class).toInstant(),
                        released == null ? null : released.toInstant()));
            }
        }
    }

    /** Whether the customer holds an active (not released) redemption of the coupon. */
    boolean inUseBy(Connection tx, String code, String customerId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "SELECT 1 FROM active_coupon_uses WHERE code = ? AND customer_id = ?")) {
            ps.setString(1, code);
            ps.setString(2, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
