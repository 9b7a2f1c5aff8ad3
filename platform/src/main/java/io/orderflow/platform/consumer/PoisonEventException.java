package io.orderflow.platform.consumer;

/** An event that no retry can apply (undecodable, invalid, of an unknown type): dead-lettered at once. */
public class PoisonEventException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PoisonEventException(String message) {
        super(message);
    }

    public PoisonEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
