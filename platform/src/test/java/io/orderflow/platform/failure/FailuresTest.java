package io.orderflow.platform.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.InMemorySchemaRegistryClient;
import io.orderflow.platform.avro.SchemaRegistryUnavailableException;
import io.orderflow.platform.avro.UndecodableRecordException;
import io.orderflow.platform.consumer.PoisonEventException;
import java.io.EOFException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.http.HttpTimeoutException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;

/** Each class of failure, sorted once: the pure rules of {@link Failures}. */
class FailuresTest {

    @ParameterizedTest(name = "SQLState {0}")
    @ValueSource(strings = {"08000", "08001", "08006", "53300", "57014", "57P01", "40001", "40P01", "55P03"})
    void postgresConnectionResourceOperatorSerializationDeadlockAndLockStatesAreTransient(String state) {
        assertThat(Failures.classify(new SQLException("from the database", state))).isEqualTo(FailureKind.TRANSIENT);
    }

    @ParameterizedTest(name = "SQLState {0}")
    @ValueSource(strings = {"23505", "23503", "42P01", "22001", "XX000"})
    void otherSqlStatesAreUnknown(String state) {
        // A constraint violation, a missing table, a value too long: a bug or bad data, retried a bounded number of times.
        assertThat(Failures.classify(new SQLException("from the database", state))).isEqualTo(FailureKind.UNKNOWN);
    }

    @Test
    void theDriverAndPoolExceptionsOfAnUnreachableDatabaseAreTransient() {
        PSQLException refused = new PSQLException("Connection to 127.0.0.1:5432 refused", PSQLState.CONNECTION_UNABLE_TO_CONNECT);
        assertThat(Failures.classify(refused)).isEqualTo(FailureKind.TRANSIENT);
        // HikariCP's "Connection is not available, request timed out" is of this family.
        SQLTransientConnectionException pool = new SQLTransientConnectionException("pool timed out", "08003", refused);
        assertThat(Failures.classify(pool)).isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.classify(new SQLTransientException("lock timeout"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.databaseUnreachable(pool)).isTrue();
        assertThat(Failures.databaseUnreachable(new SQLException("lock", "55P03"))).isFalse();
        assertThat(Failures.classify(new SQLIntegrityConstraintViolationException("dup", "23505"))).isEqualTo(FailureKind.UNKNOWN);
    }

    @Test
    void kafkaRetriableAndAccessErrorsAreTransientOthersAreNot() {
        assertThat(Failures.classify(new TimeoutException("Topic x not present in metadata after 2000 ms.")))
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.classify(new NotEnoughReplicasException("isr"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.classify(new ExecutionException(new TimeoutException("ack")))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.classify(new TopicAuthorizationException("denied"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.classify(new RecordTooLargeException("too big"))).isEqualTo(FailureKind.UNKNOWN);
        assertThat(Failures.classify(new CommitFailedException())).isEqualTo(FailureKind.UNKNOWN);
        assertThat(Failures.classify(new java.util.concurrent.TimeoutException("no ack in 30 s"))).isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void networkIoErrorsAreTransientButACorruptStreamIsNot() {
        assertThat(Failures.classify(new ConnectException("Connection refused"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.classify(new SocketTimeoutException("read timed out"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.classify(new HttpTimeoutException("request timed out"))).isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.classify(new UncheckedIOException(new EOFException()))).isEqualTo(FailureKind.UNKNOWN);
    }

    @Test
    void registryUnreachableIsTransientWhateverWrapsIt() {
        var unreachable = new SchemaRegistryUnavailableException("GET /schemas/ids/1 failed", new ConnectException());
        assertThat(Failures.classify(unreachable)).isEqualTo(FailureKind.TRANSIENT);
        assertThat(Failures.classify(new SerializationException("Cannot serialize", unreachable))).isEqualTo(FailureKind.TRANSIENT);
        var http503 = new SchemaRegistryUnavailableException("HTTP 503", 503, 50003);
        assertThat(Failures.classify(http503)).isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void bytesThatCanNeverBeDecodedArePoisonAndSoIsADomainRule() {
        AvroSerde serde = new AvroSerde(new InMemorySchemaRegistryClient());
        assertThat(Failures.classify(catching(() -> serde.deserialize("t", new byte[] {'{', '}', 0, 0, 0, 0}))))
                .isInstanceOf(FailureKind.class).isEqualTo(FailureKind.POISON);
        assertThat(Failures.classify(catching(() -> serde.deserialize("t", new byte[] {0, 0, 0, 0, 42, 1}))))
                .as("an id the registry does not have (40403)").isEqualTo(FailureKind.POISON);
        assertThat(Failures.classify(new PoisonEventException("balance cannot absorb the reversal"))).isEqualTo(FailureKind.POISON);
        // The outermost meaning wins: a handler's rule violation wrapping a SQL error is still poison...
        assertThat(Failures.classify(new PoisonEventException("invalid", new SQLTransientException("x")))).isEqualTo(FailureKind.POISON);
        // ...and an undecodable record stays poison even when its cause looks like I/O.
        assertThat(Failures.classify(new UndecodableRecordException("bad", new ConnectException()))).isEqualTo(FailureKind.POISON);
    }

    @Test
    void bugsAreUnknown() {
        assertThat(Failures.classify(new NullPointerException())).isEqualTo(FailureKind.UNKNOWN);
        assertThat(Failures.classify(new IllegalStateException("oops", new IllegalArgumentException())))
                .isEqualTo(FailureKind.UNKNOWN);
        assertThat(Failures.classify(new StackOverflowError())).isEqualTo(FailureKind.UNKNOWN);
    }

    private static Throwable catching(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }
}
