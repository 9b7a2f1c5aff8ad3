package io.orderflow.platform.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where long-polls and SSE streams wait: a bounded pool of its own, so clients that wait never hold
 * the workers of ordinary requests (or {@code /health}), with a limit per client address so one
 * client cannot take the whole pool. Over a limit the request is refused at once (429 for the
 * client's limit, 503 when the pool is full), never queued.
 */
final class LongRunningPool implements AutoCloseable {

    private final int perClient;
    private final ThreadPoolExecutor executor;
    private final Map<String, Integer> perClientCount = new ConcurrentHashMap<>();

    LongRunningPool(String name, int threads, int perClient) {
        this.perClient = perClient;
        AtomicInteger n = new AtomicInteger();
        // Threads are made on demand and kept a minute: only waiting requests ever use them.
        this.executor = new ThreadPoolExecutor(0, threads, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, name + "-long-running-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs {@code task} on the pool, or throws the 429/503 problem to answer instead. */
    void submit(String client, Runnable task) {
        boolean[] admitted = {false};
        perClientCount.compute(client, (k, count) -> {
            int c = count == null ? 0 : count;
            if (c >= perClient) {
                return count;
            }
            admitted[0] = true;
            return c + 1;
        });
        if (!admitted[0]) {
            throw new Problem(429, "Too many requests", "At most " + perClient
                    + " long-polls and event streams at once per client; retry when one has ended")
                    .withHeader("Retry-After", "1");
        }
        try {
            executor.execute(() -> {
                try {
                    task.run();
                } finally {
                    release(client);
                }
            });
        } catch (RejectedExecutionException e) {
            release(client);
            throw new Problem(503, "Service unavailable", "Too many long-polls and event streams are open; retry later")
                    .withHeader("Retry-After", "1");
        }
    }

    int active() {
        return executor.getActiveCount();
    }

    private void release(String client) {
        perClientCount.computeIfPresent(client, (k, count) -> count <= 1 ? null : count - 1);
    }

    @Override
    public void close() {
        executor.shutdownNow(); // a waiting request is interrupted: its client sees the connection close
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
