package io.orderflow.platform.lifecycle;

/**
 * One lifecycle for every service: the launcher and the tests start a list of them and close
 * them in reverse order.
 */
public interface Service extends AutoCloseable {

    String name();

    /** Starts and returns once the service is ready (HTTP bound, consumers subscribed). */
    void start() throws Exception;

    /** Stops gracefully: finishes the batch in hand, commits, closes. Safe to call twice. */
    @Override
    void close();
}
