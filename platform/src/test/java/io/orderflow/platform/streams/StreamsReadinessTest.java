package io.orderflow.platform.streams;

import static org.apache.kafka.streams.KafkaStreams.State.CREATED;
import static org.apache.kafka.streams.KafkaStreams.State.ERROR;
import static org.apache.kafka.streams.KafkaStreams.State.NOT_RUNNING;
import static org.apache.kafka.streams.KafkaStreams.State.PENDING_ERROR;
import static org.apache.kafka.streams.KafkaStreams.State.PENDING_SHUTDOWN;
import static org.apache.kafka.streams.KafkaStreams.State.REBALANCING;
import static org.apache.kafka.streams.KafkaStreams.State.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Readiness of a Streams app over its state changes, on a clock the test moves. */
class StreamsReadinessTest {

    private static final Duration GRACE = Duration.ofSeconds(30);

    private final MovableClock clock = new MovableClock();
    private final StreamsReadiness readiness = new StreamsReadiness(GRACE, clock);

    @Test
    void downUntilFirstRunningThenUp() {
        assertThat(readiness.isReady()).as("CREATED").isFalse();
        readiness.changed(REBALANCING);
        assertThat(readiness.isReady()).as("restoring at start-up").isFalse();

        readiness.changed(RUNNING);

        assertThat(readiness.isReady()).isTrue();
        clock.advance(Duration.ofHours(1));
        assertThat(readiness.isReady()).isTrue();
    }

    @Test
    void aRebalanceIsUpForTheGraceThenDown() {
        readiness.changed(RUNNING);
        readiness.changed(REBALANCING);

        clock.advance(GRACE);
        assertThat(readiness.isReady()).as("rebalancing for exactly the grace").isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(readiness.isReady()).as("rebalancing longer than the grace").isFalse();
        assertThat(readiness.notRunningFor()).isEqualTo(GRACE.plusMillis(1));

        readiness.changed(RUNNING);
        assertThat(readiness.isReady()).isTrue();
        assertThat(readiness.notRunningFor()).isZero();
    }

    @Test
    void theGraceCountsFromLeavingRunningNotFromTheLastRebalance() {
        readiness.changed(RUNNING);
        readiness.changed(REBALANCING);
        clock.advance(Duration.ofSeconds(20));
        readiness.changed(REBALANCING); // another rebalance on top: still not running since the first
        clock.advance(Duration.ofSeconds(20));

        assertThat(readiness.isReady()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = KafkaStreams.State.class, names = {"PENDING_SHUTDOWN", "NOT_RUNNING", "PENDING_ERROR", "ERROR"})
    void downAtOnceWhenStoppingOrFailed(KafkaStreams.State state) {
        readiness.changed(RUNNING);

        readiness.changed(state);

        assertThat(readiness.isReady()).isFalse();
    }

    @Test
    void everyNonRunningStateButRebalancingIsDown() {
        readiness.changed(RUNNING);
        for (KafkaStreams.State s : new KafkaStreams.State[]{CREATED, PENDING_SHUTDOWN, NOT_RUNNING, PENDING_ERROR, ERROR}) {
            readiness.changed(s);
            assertThat(readiness.isReady()).as("%s", s).isFalse();
        }
    }

    /** A clock that moves only when told. */
    private static final class MovableClock extends Clock {

        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
