package io.orderflow.platform.outbox;

import io.orderflow.platform.failure.Backoff;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Failed attempts per outbox row, in memory: a restart starts the count again (a few more tries at worst).
 * Between attempts a row waits with backoff, and so do the later rows of its key.
 */
final class RowAttempts {

    private record Attempts(int count, long nextAttemptAtNanos) {
    }

    private static final Duration FIRST_WAIT = Duration.ofMillis(200);
    private static final Duration MAX_WAIT = Duration.ofSeconds(5);

    private final Map<Long, Attempts> byRow = new HashMap<>();

    /** Whether the row may be tried now (never failed, or its backoff has passed). */
    boolean due(long id) {
        Attempts a = byRow.get(id);
        return a == null || System.nanoTime() - a.nextAttemptAtNanos() >= 0;
    }

    /** Counts a failure; returns how many there were. */
    int failed(long id) {
        Attempts before = byRow.get(id);
        int count = before == null ? 1 : before.count() + 1;
        byRow.put(id, new Attempts(count, System.nanoTime() + Backoff.after(count, FIRST_WAIT, MAX_WAIT).toNanos()));
        return count;
    }

    /** The rows left the outbox's active set (published or parked). */
    void forget(Collection<Long> ids) {
        if (!byRow.isEmpty()) {
            ids.forEach(byRow::remove);
        }
    }
}
