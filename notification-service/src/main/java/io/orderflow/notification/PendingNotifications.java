package io.orderflow.notification;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The notifications still to send, as the {@link NotificationDispatcher} sees the table: claim a few
 * (a lease: no other dispatcher takes them until it ends), then mark a failed one at once and the sent ones
 * together (and give back the rest of the claim). Every call is one statement, which the caller runs as a
 * transaction of its own ({@code Database.inOneStatement}); nothing here waits for a sender.
 */
final class PendingNotifications {

    private static final String DUE = "status = 'PENDING' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)";
    private static final int MAX_ERROR = 1000;

    private final UnaryOperator<Connection> connections;

    PendingNotifications() {
        this(UnaryOperator.identity());
    }

    /** @param connections applied to each connection handed in (tests count the round trips on it) */
    PendingNotifications(UnaryOperator<Connection> connections) {
        this.connections = connections;
    }

    /** A claimed notification: its row and what to send. */
    record Claimed(long id, Notification notification, int attempts) {
    }

    /**
     * Claims up to {@code limit} due notifications, oldest first, for {@code lease}, under {@code claim}
     * (a token unique to this call) and returns them: one statement, the claimed rows come back from the
     * {@code UPDATE} itself. The outer WHERE repeats the due condition so a row another dispatcher claimed
     * meanwhile is skipped (PostgreSQL re-checks it after the row lock); {@code RETURNING} gives exactly the rows
     * this claim took (what the {@code SELECT ... WHERE claimed_by = ?} after it gave before).
     * {@code = ANY(ARRAY(...))}, not {@code IN (...)}: the ids are picked once (an InitPlan); with {@code IN}, stale
     * statistics during a backlog made PostgreSQL run the subquery once per PENDING row (a nested-loop semi join:
     * 373 ms and 593,000 buffer reads for 3,000 PENDING rows, against 4 ms).
     */
    List<Claimed> claim(Connection tx, String claim, int limit, Instant now, Duration lease) throws SQLException {
        tx = connections.apply(tx);
        try (PreparedStatement ps = tx.prepareStatement("WITH claimed AS (UPDATE notifications SET claimed_by = ?, "
                + "next_attempt_at = ? WHERE " + DUE + " AND id = ANY(ARRAY(SELECT id FROM notifications WHERE " + DUE
                + " ORDER BY id FETCH FIRST " + limit + " ROWS ONLY)) RETURNING id, " + NotificationLog.columns()
                + ", attempts) SELECT * FROM claimed ORDER BY id")) {
            ps.setString(1, claim);
            ps.setObject(2, utc(now.plus(lease)));
            ps.setObject(3, utc(now));
            ps.setObject(4, utc(now));
            try (ResultSet rs = ps.executeQuery()) {
                List<Claimed> claimed = new ArrayList<>();
                while (rs.next()) {
                    claimed.add(new Claimed(rs.getLong(1), NotificationLog.read(rs, 2), rs.getInt(8)));
                }
                return claimed;
            }
        }
    }

    /** A claimed notification the sender took, and when. */
    record Sent(long id, Instant sentAt) {
    }

    /**
     * Marks {@code sent} SENT (each with its own {@code sent_at}), in one statement, where the row is still held by
     * {@code claim}; with {@code release}, the same statement also gives back the claim's other rows still PENDING
     * (not sent: the dispatcher stopped or failed before them), so the next dispatcher need not wait for the lease.
     * The two updates of the statement touch disjoint rows (the release skips the ids being marked): a row is never
     * updated twice in one statement.
     *
     * @return the ids it marked; a sent id missing from it lost its claim meanwhile (the lease ended and another
     *     dispatcher took the row)
     */
    Set<Long> markSent(Connection tx, String claim, List<Sent> sent, boolean release) throws SQLException {
        tx = connections.apply(tx);
        Long[] ids = new Long[sent.size()];
        String[] sentAt = new String[sent.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = sent.get(i).id();
            sentAt[i] = sent.get(i).sentAt().toString();
        }
        String mark = "UPDATE notifications n SET status = 'SENT', sent_at = s.sent_at, attempts = n.attempts + 1, "
                + "claimed_by = NULL, next_attempt_at = NULL, last_error = NULL "
                + "FROM unnest(CAST(? AS BIGINT[]), CAST(? AS TIMESTAMPTZ[])) AS s (id, sent_at) "
                + "WHERE n.id = s.id AND n.claimed_by = ? RETURNING n.id";
        String sql = release
                ? "WITH marked AS (" + mark + "), released AS (UPDATE notifications SET claimed_by = NULL, "
                        + "next_attempt_at = NULL WHERE claimed_by = ? AND status = 'PENDING' "
                        + "AND id <> ALL(CAST(? AS BIGINT[]))) SELECT id FROM marked"
                : mark;
        try (PreparedStatement ps = tx.prepareStatement(sql)) {
            Array idArray = tx.createArrayOf("bigint", ids);
            ps.setArray(1, idArray);
            ps.setArray(2, tx.createArrayOf("text", sentAt));
            ps.setString(3, claim);
            if (release) {
                ps.setString(4, claim);
                ps.setArray(5, idArray);
            }
            try (ResultSet rs = ps.executeQuery()) {
                Set<Long> marked = new HashSet<>();
                while (rs.next()) {
                    marked.add(rs.getLong(1));
                }
                return marked;
            }
        }
    }

    void markFailed(Connection tx, long id, String claim, Instant retryAt, String error) throws SQLException {
        tx = connections.apply(tx);
        try (PreparedStatement ps = tx.prepareStatement("UPDATE notifications SET attempts = attempts + 1, "
                + "last_error = ?, claimed_by = NULL, next_attempt_at = ? WHERE id = ? AND claimed_by = ?")) {
            ps.setString(1, error.length() > MAX_ERROR ? error.substring(0, MAX_ERROR) : error);
            ps.setObject(2, utc(retryAt));
            ps.setLong(3, id);
            ps.setString(4, claim);
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
