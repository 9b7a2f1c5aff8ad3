package io.orderflow.platform.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Races: every task on its own thread, all released at the same instant, each awaited (bounded). */
public final class Concurrently {

    /** Work that may throw, e.g. one transaction. */
    @FunctionalInterface
    public interface Task {
        void run() throws Exception;
    }

    private Concurrently() {
    }

    public static void runAtOnce(List<Task> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> results = new ArrayList<>();
            for (Task task : tasks) {
                results.add(pool.submit(() -> {
                    go.await();
                    task.run();
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : results) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
