package io.orderflow.points;

import io.orderflow.platform.outbox.Outbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Accounts and their ledger. Every balance change goes through {@link #post}, which updates the
 * balance with a guarded statement and writes the ledger row in the same transaction, so
 * balance = SUM(delta) per customer always holds and a balance can never go below 0.
 */
final class PointsLedger {

    /**
     * Creates the customer's account at 0 on first touch, then locks it until the transaction ends,
     * so every event of one customer (PaymentCompleted and ReversePoints of one order may arrive on
     * different instances at once) is applied one after the other. Returns the balance. One statement:
     * {@code ON CONFLICT DO UPDATE} takes the row lock (waiting for a transaction that holds it) and
     * returns the latest committed balance.
     */
    long lockAccount(Connection tx, String customerId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("INSERT INTO accounts (customer_id, balance) VALUES (?, 0) "
                + "ON CONFLICT (customer_id) DO UPDATE SET balance = accounts.balance RETURNING balance")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("account of " + customerId + " was neither created nor locked");
                }
                return rs.getLong(1);
            }
        }
    }

    /** What this service already did for an order: its points step reversed (the semantic lock), its points applied. */
    record OrderSeen(boolean reversed, boolean applied) {
    }

    /**
     * Both checks in one round trip. Run it after {@link #lockAccount}: in READ COMMITTED a statement sees what was
     * committed when it started, so a check made before the lock could miss a reversal committed while waiting.
     */
    OrderSeen seen(Connection tx, String orderId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT EXISTS (SELECT 1 FROM reversed_orders WHERE order_id = ?), "
                + "EXISTS (SELECT 1 FROM ledger WHERE order_id = ?)")) {
            ps.setString(1, orderId);
            ps.setString(2, orderId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new OrderSeen(rs.getBoolean(1), rs.getBoolean(2));
            }
        }
    }

    /**
     * A paid order's points in ONE statement (data-modifying CTEs): the balance moves by {@code earned - redeemed}
     * unless it holds fewer than {@code redeemed} points, the order's REDEEM and EARN ledger rows are written in that
     * order, and {@code answer} goes to the outbox with them. False, and nothing written, when the balance is too
     * small. The account must be locked by this transaction ({@link #lockAccount}).
     */
    boolean applyOrder(Connection tx, String customerId, String orderId, long redeemed, long earned, Instant at,
                       Outbox.Row answer) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(APPLY_ORDER)) {
            ps.setLong(1, redeemed);
            ps.setLong(2, earned);
            ps.setString(3, customerId);
            ps.setLong(4, redeemed);
            ps.setString(5, orderId);
            ps.setObject(6, at.atOffset(ZoneOffset.UTC));
            ps.setLong(7, -redeemed);
            ps.setLong(8, earned);
            answer.bind(ps, 9);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        }
    }

    // The ledger rows and the answer select from "moved", so neither is written when the guard refused the update.
    private static final String APPLY_ORDER = "WITH moved AS (UPDATE accounts SET balance = balance - ? + ? "
            + "WHERE customer_id = ? AND balance - ? >= 0 RETURNING customer_id), "
            + "entries AS (INSERT INTO ledger (customer_id, order_id, delta, kind, reason, at) "
            + "SELECT m.customer_id, ?, e.delta, e.kind, NULL, ?::timestamptz FROM moved m "
            + "CROSS JOIN (VALUES (1, ?::bigint, 'REDEEM'), (2, ?::bigint, 'EARN')) AS e (n, delta, kind) ORDER BY e.n), "
            + "answer AS (INSERT INTO outbox (" + Outbox.COLUMNS + ") SELECT " + Outbox.PLACEHOLDERS + " FROM moved) "
            + "SELECT count(*) FROM moved";

    /** The balance; 0 for a customer never seen. */
    long balance(Connection tx, String customerId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("SELECT balance FROM accounts WHERE customer_id = ?")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /**
     * Applies {@code entry.delta()} to the balance unless it would go below 0, and writes the ledger
     * row; false (and nothing written) when the balance is too small. The account must exist.
     */
    boolean post(Connection tx, LedgerEntry entry) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "UPDATE accounts SET balance = balance + ? WHERE customer_id = ? AND balance + ? >= 0")) {
            ps.setLong(1, entry.delta());
            ps.setString(2, entry.customerId());
            ps.setLong(3, entry.delta());
            if (ps.executeUpdate() == 0) {
                return false;
            }
        }
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO ledger (customer_id, order_id, delta, kind, reason, at) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, entry.customerId());
            ps.setString(2, entry.orderId());
            ps.setLong(3, entry.delta());
            ps.setString(4, entry.kind().name());
            ps.setString(5, entry.reason() == null || entry.reason().length() <= 200 ? entry.reason()
                    : entry.reason().substring(0, 200));
            ps.setObject(6, entry.at().atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
        return true;
    }

    /** The order's ledger rows, oldest first. */
    List<LedgerEntry> forOrder(Connection tx, String orderId) throws SQLException {
        return query(tx, "SELECT customer_id, order_id, delta, kind, reason, at FROM ledger WHERE order_id = ? ORDER BY id",
                orderId);
    }

    /** The customer's latest {@code limit} ledger rows, oldest first. */
    List<LedgerEntry> forCustomer(Connection tx, String customerId, int limit) throws SQLException {
        List<LedgerEntry> newestFirst = query(tx, "SELECT customer_id, order_id, delta, kind, reason, at FROM ledger "
                + "WHERE customer_id = ? ORDER BY id DESC LIMIT " + limit, customerId);
        List<LedgerEntry> entries = new ArrayList<>(newestFirst);
        Collections.reverse(entries);
        return entries;
    }

    private static List<LedgerEntry> query(Connection tx, String sql, String param) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                List<LedgerEntry> entries = new ArrayList<>();
                while (rs.next()) {
                    entries.add(new LedgerEntry(rs.getString(1), rs.getString(2), rs.getLong(3),
                            LedgerEntry.Kind.valueOf(rs.getString(4)), rs.getString(5),
                            rs.getObject(6, OffsetDateTime.class).toInstant()));
                }
                return entries;
            }
        }
    }
}
