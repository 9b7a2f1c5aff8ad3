package io.orderflow.platform.failure;

/**
 * Marks an exception type whose every instance is {@link FailureKind#TRANSIENT}: it says the environment
 * failed (e.g. the schema registry could not be reached), never the data. Lets a package declare the nature
 * of its exceptions where they are defined, so {@link Failures} needs to know no package but the JDK's,
 * JDBC's and Kafka's.
 */
public interface TransientFailure {
}
