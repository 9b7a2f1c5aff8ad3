package io.orderflow.launcher.demo;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Bounded waits on another component's state (a database, a topic, an HTTP answer): poll until true or time out. */
final class Waits {

    private Waits() {
    }

    /** Polls {@code condition} every 100 ms; throws when {@code limit} passed first. */
    static void until(String what, Duration limit, Callable<Boolean> condition) throws Exception {
        if (!within(limit, condition)) {
            throw new IllegalStateException("Timed out after " + limit.toSeconds() + " s waiting for: " + what);
        }
    }

    /** Polls {@code condition} every 100 ms; false when {@code limit} passed first. */
    static boolean within(Duration limit, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (Boolean.TRUE.equals(condition.call())) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100); // polling another component's state: nothing to wait on but time
        }
    }

    static void sleep(Duration d) throws InterruptedException {
        Thread.sleep(d.toMillis()); // a scene's pause (e.g. Kafka stays down this long), not a synchronisation
    }
}
