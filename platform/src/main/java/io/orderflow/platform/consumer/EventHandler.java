package io.orderflow.platform.consumer;

import java.sql.Connection;

/**
 * A service's business reaction to one event, run inside the database transaction that also records the
 * event in the inbox and commits before the offset does. Handlers say what went wrong, the loop decides
 * what to do ({@link io.orderflow.platform.failure.Failures}): throw {@link PoisonEventException} for an
 * event that can never be applied (DLT at once); let a database, network or timeout failure propagate as
 * it is (transient: retried without limit, never dead-lettered); anything else is retried a bounded number
 * of times, then dead-lettered.
 */
@FunctionalInterface
public interface EventHandler {

    void handle(ConsumedEvent event, Connection tx) throws Exception;

    /**
     * The key of the rows {@link #handle} locks for this event, e.g. a customer's account: a poll's records are
     * applied in this key's order ({@link BatchOrder}), so concurrent batches do not deadlock. The record key by
     * default.
     */
    default String lockKey(ConsumedEvent event) {
        return event.key();
    }
}
