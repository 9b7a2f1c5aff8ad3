package io.orderflow.platform.failure;

/** What a failure means for the work that met it; decided once, at the edge, by {@link Failures#classify}. */
public enum FailureKind {

    /**
     * The world is briefly broken, not the work: a database, registry or broker unreachable, a timeout, a
     * lock timeout, a serialization conflict. Retry without limit, with backoff; never dead-letter or park.
     */
    TRANSIENT,

    /**
     * The input itself can never succeed: bytes that are not the wire format, a schema id the registry does
     * not have, an event that breaks a rule. Dead-letter (or park) at once; retrying changes nothing.
     */
    POISON,

    /** Neither is known (most likely a bug, e.g. a NullPointerException): a bounded number of retries, then as POISON. */
    UNKNOWN
}
