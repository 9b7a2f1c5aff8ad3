package io.orderflow.points;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
     * different instances at once) is applied one after the other. Returns the balance.
     */
    long lockAccount(Connection tx, String customerId) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement(
                "INSERT INTO accounts (customer_id, balance) VALUES (?, 0) ON CONFLICT DO NOTHING")) {
            ps.setString(1, customerId);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = tx.prepareStatement("SELECT balance FROM accounts WHERE customer_id = ? FOR UPDATE")) {
            ps.setString(1, customerId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("account of " + customerId + " vanished");
                }
                return rs.getLong(1);
            }
        }
    }

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
