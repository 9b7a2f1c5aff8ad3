package io.orderflow.platform.failure;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.platform.consumer.RetryPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesFromTheInitialWaitUpToTheCapWithJitterInTheUpperHalf() {
        Duration initial = Duration.ofMillis(100);
        Duration max = Duration.ofSeconds(5);
        for (int i = 0; i < 200; i++) {
            assertThat(Backoff.after(1, initial, max).toMillis()).isBetween(50L, 100L);
            assertThat(Backoff.after(3, initial, max).toMillis()).isBetween(200L, 400L);
            assertThat(Backoff.after(40, initial, max).toMillis()).isBetween(2_500L, 5_000L);
        }
    }

    @Test
    void theRetryPolicyDeadLettersPoisonAtOnceUnknownAfterItsAttemptsAndTransientNever() {
        RetryPolicy policy = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(100));
        assertThat(policy.deadLetter(FailureKind.POISON, 0)).isTrue();
        assertThat(policy.deadLetter(FailureKind.UNKNOWN, 2)).isFalse();
        assertThat(policy.deadLetter(FailureKind.UNKNOWN, 3)).isTrue();
        assertThat(policy.deadLetter(FailureKind.TRANSIENT, 0)).isFalse();
        assertThat(policy.deadLetter(FailureKind.TRANSIENT, 1_000_000)).isFalse();
    }
}
