package io.orderflow.platform.consumer;

import java.sql.Connection;

/**
 * A service's business reaction to one event, run inside the database transaction that also
 * records the event in the inbox and commits before the offset does. Throw
 * {@link PoisonEventException} for an event that can never be applied (it goes to the DLT at
 * once); any other exception is retried with backoff, then dead-lettered.
 */
@FunctionalInterface
public interface EventHandler {

    void handle(ConsumedEvent event, Connection tx) throws Exception;
}
