package io.orderflow.notification;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The notifications still to send, as the {@link NotificationDispatcher} sees the table: claim a few
 * (a lease: no other dispatcher takes them until it ends), then mark each SENT or failed. Every call
 * is one short statement in the caller's (short) transaction; nothing here waits for a sender.
 */
final class PendingNotifications {

    private static final String DUE = "status = 'PENDING' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)";
    private static final int MAX_ERROR = 1000;

    /** A claimed notification: its row and what to send. */
    record Claimed(long id, Notification notification, int attempts) {
    }

    /**
     * Claims up to {@code limit} due notifications, oldest first, for {@code lease}, under {@code claim}
     * (a token unique to this call) and returns them. The outer WHERE repeats the due condition so a
     * row another dispatcher claimed meanwhile is skipped (PostgreSQL re-checks it after the row lock).
     * {@code = ANY(ARRAY(...))}, not {@code IN (...)}: the ids are picked once (an InitPlan); with {@code IN}, stale
     * statistics during a backlog made PostgreSQL run the subquery once per PENDING row (a nested-loop semi join:
     * 373 ms and 593,000 buffer reads for 3,000 PENDING rows, against 4 ms).
     */
    List<Claimed> claim(Connection tx, String claim, int limit, Instant now, Duration lease) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE notifications SET claimed_by = ?, next_attempt_at = ? "
                + "WHERE " + DUE + " AND id = ANY(ARRAY(SELECT id FROM notifications WHERE " + DUE
                + " ORDER BY id FETCH FIRST " + limit + " ROWS ONLY))")) {
            ps.setString(1, claim);
            ps.setObject(2, utc(now.plus(lease)));
            ps.setObject(3, utc(now));
            ps.setObject(4, utc(now));
            if (ps.executeUpdate() == 0) {
                return List.of();
            }
        }
        try (PreparedStatement ps = tx.prepareStatement("SELECT id, " + NotificationLog.columns() + ", attempts "
                + "FROM notifications WHERE claimed_by = ? AND status = 'PENDING' ORDER BY id")) {
            ps.setString(1, claim);
            try (ResultSet rs = ps.executeQuery()) {
                List<Claimed> claimed = new ArrayList<>();
                while (rs.next()) {
                    claimed.add(new Claimed(rs.getLong(1), NotificationLog.read(rs, 2), rs.getInt(8)));
                }
                return claimed;
            }
        }
    }

    /** @return false when the claim was lost meanwhile (the lease ended and another dispatcher took the row) */
    boolean markSent(Connection tx, long id, String claim, Instant sentAt) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE notifications SET status = 'SENT', sent_at = ?, "
                + "attempts = attempts + 1, claimed_by = NULL, next_attempt_at = NULL, last_error = NULL "
                + "WHERE id = ? AND claimed_by = ?")) {
            ps.setObject(1, utc(sentAt));
            ps.setLong(2, id);
            ps.setString(3, claim);
            return ps.executeUpdate() == 1;
        }
    }

    void markFailed(Connection tx, long id, String claim, Instant retryAt, String error) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE notifications SET attempts = attempts + 1, "
                + "last_error = ?, claimed_by = NULL, next_attempt_at = ? WHERE id = ? AND claimed_by = ?")) {
            ps.setString(1, error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error);
            ps.setObject(2, utc(retryAt));
            ps.setLong(3, id);
            ps.setString(4, claim);
            ps.executeUpdate();
        }
    }

    /** Gives back what a claim did not send (on shutdown), so the next dispatcher need not wait for the lease. */
    void release(Connection tx, String claim) throws SQLException {
        try (PreparedStatement ps = tx.prepareStatement("UPDATE notifications SET claimed_by = NULL, "
                + "next_attempt_at = NULL WHERE claimed_by = ? AND status = 'PENDING'")) {
            ps.setString(1, claim);
            ps.executeUpdate();
        }
    }

    /** How many notifications wait to be sent, and since when the oldest waits. */
    record Backlog(long pending, Optional<Instant> oldestCreatedAt) {
    }

    Backlog backlog(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*), MIN(created_at) FROM notifications WHERE status = 'PENDING'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            OffsetDateTime oldest = rs.getObject(2, OffsetDateTime.class);
            return new Backlog(rs.getLong(1), Optional.ofNullable(oldest).map(OffsetDateTime::toInstant));
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
