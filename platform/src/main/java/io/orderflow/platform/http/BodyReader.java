package io.orderflow.platform.http;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request body without holding a thread while the client is slow: what has arrived is
 * taken at once, and Jetty calls back when more arrives (demand). Ends exactly once with the body,
 * or with a problem: 413 as soon as the limit is passed (the rest is never read), 408 when the body
 * is not complete within the body timeout, or a failure when the client goes away.
 */
final class BodyReader implements Runnable {

    /** How a read ended without a body. */
    interface Outcome {
        void body(byte[] body);

        void problem(Problem problem);

        void failed(Throwable failure);
    }

    private final org.eclipse.jetty.server.Request source;
    private final int limit;
    private final Duration timeout;
    private final Outcome outcome;
    private final AtomicBoolean finished = new AtomicBoolean();
    private byte[] buffer;
    private int size;
    private volatile Scheduler.Task deadline;

    BodyReader(org.eclipse.jetty.server.Request source, int limit, Duration timeout, Outcome outcome) {
        this.source = source;
        this.limit = limit;
        this.timeout = timeout;
        this.outcome = outcome;
        long declared = source.getLength();
        this.buffer = new byte[(int) Math.min(declared > 0 ? declared : 1024, limit)];
    }

    /** Reads what is there; the rest (if any) is read on Jetty's demand callbacks. */
    @Override
    public void run() {
        while (!finished.get()) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                if (deadline == null) {
                    deadline = source.getComponents().getScheduler().schedule(this::expire, timeout.toMillis(),
                            TimeUnit.MILLISECONDS);
                }
                source.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                if (finish()) {
                    Throwable failure = chunk.getFailure();
                    if (failure instanceof TimeoutException) {
                        outcome.problem(timedOut());
                    } else {
                        outcome.failed(failure);
                    }
                }
                return;
            }
            int n = chunk.remaining();
            if ((long) size + n > limit) {
                chunk.release();
                if (finish()) {
                    outcome.problem(Problem.payloadTooLarge(limit));
                }
                return;
            }
            if (size + n > buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.min(limit, Math.max(size + n, buffer.length * 2)));
            }
            chunk.get(buffer, size, n);
            size += n;
            boolean last = chunk.isLast();
            chunk.release();
            if (last) {
                if (finish()) {
                    outcome.body(size == buffer.length ? buffer : Arrays.copyOf(buffer, size));
                }
                return;
            }
        }
    }

    private void expire() {
        if (finish()) {
            outcome.problem(timedOut());
        }
    }

    private boolean finish() {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        if (deadline != null) {
            deadline.cancel();
        }
        return true;
    }

    private Problem timedOut() {
        return new Problem(408, "Request timeout", "body: not received within " + timeout.toMillis() + " ms",
                java.util.List.of(new Problem.FieldError("body", "not received within " + timeout.toMillis() + " ms")))
                .withHeader("Connection", "close");
    }
}
