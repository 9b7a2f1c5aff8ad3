package io.orderflow.platform.failure;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.util.Set;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * The one place that sorts an exception into a {@link FailureKind}, like Kafka's own clients do. The
 * cause chain is read from the outside in, and the first link with a known meaning decides: a handler's
 * {@code PoisonEventException} wrapping a SQL error is poison, a plain wrapper around a lock timeout is
 * transient. What nothing recognises is {@link FailureKind#UNKNOWN}.
 *
 * <ul>
 *   <li>{@link PermanentFailure} types → POISON; {@link TransientFailure} types → TRANSIENT.</li>
 *   <li>SQL, by SQLState (PostgreSQL's codes): class 08 (connection), 53 (insufficient resources),
 *       57 (operator intervention, including statement timeouts), 40001 (serialization failure),
 *       40P01 (deadlock), 55P03 (lock not available) → TRANSIENT; so is the JDBC
 *       {@link SQLTransientException} family (e.g. the pool's timeout),
 *       {@link SQLRecoverableException} and {@link SQLNonTransientConnectionException}.</li>
 *   <li>Kafka: {@link RetriableException} (timeouts, a broker or leader away) → TRANSIENT; authentication
 *       and authorization errors too (an operator fixes the environment; the record is fine).</li>
 *   <li>{@link java.util.concurrent.TimeoutException} and I/O errors of {@code java.net} (connection refused,
 *       reset, timed out) → TRANSIENT.</li>
 * </ul>
 */
public final class Failures {

    private static final Set<String> TRANSIENT_SQL_CLASSES = Set.of("08", "53", "57");
    private static final Set<String> TRANSIENT_SQL_STATES = Set.of("40001", "40P01", "55P03");
    private static final int MAX_DESCRIPTION = 2000;

    private Failures() {
    }

    public static FailureKind classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            FailureKind kind = meaningOf(t);
            if (kind != null) {
                return kind;
            }
        }
        return FailureKind.UNKNOWN;
    }

    /**
     * Whether the failure says the database cannot be reached at all (rather than one statement failing):
     * then every record would fail the same way, so there is no point trying the others now.
     */
    public static boolean databaseUnreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every message of the cause chain, at most 2,000 characters: the outermost says where, the
     * innermost says why. What an operator reads in a dead letter's headers or a parked outbox row.
     */
    public static String describe(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = failure; t != null && sb.length() < MAX_DESCRIPTION; t = next(t)) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return sb.length() > MAX_DESCRIPTION ? sb.substring(0, MAX_DESCRIPTION) : sb.toString();
    }

    private static FailureKind meaningOf(Throwable t) {
        if (t instanceof PermanentFailure) {
            return FailureKind.POISON;
        }
        if (t instanceof TransientFailure) {
            return FailureKind.TRANSIENT;
        }
        if (t instanceof SQLException sql) {
            return transientSql(sql) ? FailureKind.TRANSIENT : null;
        }
        if (t instanceof RetriableException || t instanceof AuthenticationException || t instanceof AuthorizationException) {
            return FailureKind.TRANSIENT;
        }
        if (t instanceof java.util.concurrent.TimeoutException) {
            return FailureKind.TRANSIENT;
        }
        if (t instanceof IOException && t.getClass().getPackageName().startsWith("java.net")) {
            return FailureKind.TRANSIENT;
        }
        return null;
    }

    private static boolean transientSql(SQLException sql) {
        // A "non-transient" connection failure (bad credentials, database gone) also needs the environment
        // fixed, not the record: retried until it is.
        if (sql instanceof SQLTransientException || sql instanceof SQLRecoverableException
                || sql instanceof SQLNonTransientConnectionException) {
            return true;
        }
        String state = sql.getSQLState();
        return state != null && state.length() == 5
                && (TRANSIENT_SQL_CLASSES.contains(state.substring(0, 2)) || TRANSIENT_SQL_STATES.contains(state));
    }

    private static Throwable next(Throwable t) {
        Throwable cause = t.getCause();
        return cause == t ? null : cause;
    }
}
