package io.orderflow.platform.consumer;

import io.orderflow.platform.failure.PermanentFailure;

/**
 * An event that no retry can apply (undecodable, invalid, of an unknown type, breaking a rule that will
 * still hold on the next try): dead-lettered at once. The exception a handler throws for a domain rule.
 */
public class PoisonEventException extends RuntimeException implements PermanentFailure {

    private static final long serialVersionUID = 1L;

    public PoisonEventException(String message) {
        super(message);
    }

    public PoisonEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
