package io.orderflow.platform.streams;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Whether a Kafka Streams app may be called ready: RUNNING, or REBALANCING for less than a grace
 * (a rebalance is normal and short; one that lasts is an app that cannot work). Not ready before it
 * first reached RUNNING, and never in PENDING_SHUTDOWN, PENDING_ERROR, ERROR or NOT_RUNNING.
 * Fed by the app's state listener; asked by the readiness check from any thread.
 */
final class StreamsReadiness {

    private final Duration grace;
    private final Clock clock;
    private KafkaStreams.State state = KafkaStreams.State.CREATED;
    private boolean everRunning;
    private Instant notRunningSince;

    StreamsReadiness(Duration grace, Clock clock) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative, was " + grace);
        }
        this.grace = grace;
        this.clock = clock;
        this.notRunningSince = clock.instant();
    }

    synchronized void changed(KafkaStreams.State now) {
        if (now == KafkaStreams.State.RUNNING) {
            everRunning = true;
            notRunningSince = null;
        } else if (state == KafkaStreams.State.RUNNING || notRunningSince == null) {
            notRunningSince = clock.instant();
        }
        state = now;
    }

    synchronized boolean isReady() {
        return switch (state) {
            case RUNNING -> true;
            case REBALANCING -> everRunning && !clock.instant().isAfter(notRunningSince.plus(grace));
            default -> false;
        };
    }

    /** How long the app has not been RUNNING (zero while it is). */
    synchronized Duration notRunningFor() {
        return notRunningSince == null ? Duration.ZERO : Duration.between(notRunningSince, clock.instant());
    }
}
