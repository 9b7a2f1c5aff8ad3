package io.orderflow.devstack;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a registry request body without holding a worker while the client is slow (Jetty calls back
 * as bytes arrive), and ends exactly once: with the body, as soon as it passes the limit (the rest is
 * never read), when it is not complete within the timeout, or when the client goes away.
 * (platform's HTTP server has the same reader; devstack does not depend on platform.)
 */
final class RegistryBodyReader implements Runnable {

    interface Outcome {
        void body(byte[] body);

        void tooLarge();

        void timedOut();

        void failed(Throwable failure);
    }

    private final Request source;
    private final int limit;
    private final Duration timeout;
    private final Outcome outcome;
    private final AtomicBoolean finished = new AtomicBoolean();
    private byte[] buffer = new byte[1024];
    private int size;
    private volatile Scheduler.Task deadline;

    RegistryBodyReader(Request source, int limit, Duration timeout, Outcome outcome) {
        this.source = source;
        this.limit = limit;
        this.timeout = timeout;
        this.outcome = outcome;
    }

    @Override
    public void run() {
        while (!finished.get()) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                if (deadline == null) {
                    deadline = source.getComponents().getScheduler().schedule(() -> {
                        if (finish()) {
                            outcome.timedOut();
                        }
                    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
                }
                source.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                if (finish()) {
                    outcome.failed(chunk.getFailure());
                }
                return;
            }
            int n = chunk.remaining();
            if ((long) size + n > limit) {
                chunk.release();
                if (finish()) {
                    outcome.tooLarge();
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
            if (last && finish()) {
                outcome.body(Arrays.copyOf(buffer, size));
                return;
            }
        }
    }

    private boolean finish() {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        Scheduler.Task task = deadline;
        if (task != null) {
            task.cancel();
        }
        return true;
    }
}
