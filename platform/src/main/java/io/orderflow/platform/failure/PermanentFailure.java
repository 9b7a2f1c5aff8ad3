package io.orderflow.platform.failure;

/**
 * Marks an exception type whose every instance is {@link FailureKind#POISON}: the input can never succeed
 * (undecodable bytes, an unknown schema id, an event that breaks a rule), so it is dead-lettered or parked
 * at once. Checked before {@link TransientFailure}.
 */
public interface PermanentFailure {
}
