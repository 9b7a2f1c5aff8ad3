package io.orderflow.platform.http;

import io.orderflow.platform.config.Env;
import java.time.Duration;

/**
 * What one client may cost an {@link HttpApi}. Read from the environment by {@link #fromEnv}:
 *
 * @param maxBodyBytes {@code HTTP_MAX_BODY_BYTES} (64 KiB): larger bodies get 413 without the rest being read
 * @param maxHeaderBytes {@code HTTP_MAX_HEADER_BYTES} (8 KiB): request line and headers; larger get 431 (414 for the URI)
 * @param idleTimeout {@code HTTP_IDLE_TIMEOUT} (30 s): a connection with nothing to read or write this long is closed
 * @param bodyTimeout {@code HTTP_BODY_TIMEOUT} (10 s): a body not complete this long after its headers gets 408,
 *        so a client trickling bytes cannot keep a request open
 * @param maxConnections {@code HTTP_MAX_CONNECTIONS} (1000): past it new connections wait in the accept queue
 * @param threads workers for ordinary requests (bodies are read without holding one)
 * @param longRunningThreads {@code HTTP_LONG_RUNNING_THREADS} (256): long-polls and SSE streams at once, on their own pool
 * @param longRunningPerClient {@code HTTP_LONG_RUNNING_PER_CLIENT} (64): of those, per client address; past it 429
 */
public record HttpLimits(int maxBodyBytes, int maxHeaderBytes, Duration idleTimeout, Duration bodyTimeout,
                         int maxConnections, int threads, int longRunningThreads, int longRunningPerClient) {

    public HttpLimits {
        positive("HTTP_MAX_BODY_BYTES", maxBodyBytes);
        positive("HTTP_MAX_HEADER_BYTES", maxHeaderBytes);
        positive("HTTP_MAX_CONNECTIONS", maxConnections);
        positive("threads", threads);
        positive("HTTP_LONG_RUNNING_THREADS", longRunningThreads);
        positive("HTTP_LONG_RUNNING_PER_CLIENT", longRunningPerClient);
        if (idleTimeout.isNegative() || idleTimeout.isZero() || bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("HTTP_IDLE_TIMEOUT and HTTP_BODY_TIMEOUT must be positive");
        }
    }

    public static HttpLimits defaults() {
        return new HttpLimits(64 * 1024, 8 * 1024, Duration.ofSeconds(30), Duration.ofSeconds(10), 1000, 64, 256, 64);
    }

    /** The defaults, each overridden by its variable when set. */
    public static HttpLimits fromEnv(Env env) {
        HttpLimits d = defaults();
        return new HttpLimits(
                env.integer("HTTP_MAX_BODY_BYTES", d.maxBodyBytes()),
                env.integer("HTTP_MAX_HEADER_BYTES", d.maxHeaderBytes()),
                env.duration("HTTP_IDLE_TIMEOUT", d.idleTimeout()),
                env.duration("HTTP_BODY_TIMEOUT", d.bodyTimeout()),
                env.integer("HTTP_MAX_CONNECTIONS", d.maxConnections()),
                d.threads(),
                env.integer("HTTP_LONG_RUNNING_THREADS", d.longRunningThreads()),
                env.integer("HTTP_LONG_RUNNING_PER_CLIENT", d.longRunningPerClient()));
    }

    public HttpLimits withThreads(int threads) {
        return new HttpLimits(maxBodyBytes, maxHeaderBytes, idleTimeout, bodyTimeout, maxConnections, threads,
                longRunningThreads, longRunningPerClient);
    }

    public HttpLimits withMaxBodyBytes(int bytes) {
        return new HttpLimits(bytes, maxHeaderBytes, idleTimeout, bodyTimeout, maxConnections, threads,
                longRunningThreads, longRunningPerClient);
    }

    public HttpLimits withLongRunning(int threads, int perClient) {
        return new HttpLimits(maxBodyBytes, maxHeaderBytes, idleTimeout, bodyTimeout, maxConnections, this.threads,
                threads, perClient);
    }

    public HttpLimits withTimeouts(Duration idle, Duration body) {
        return new HttpLimits(maxBodyBytes, maxHeaderBytes, idle, body, maxConnections, threads,
                longRunningThreads, longRunningPerClient);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, was " + value);
        }
    }
}
