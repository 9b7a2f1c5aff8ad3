package io.orderflow.platform.lifecycle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts services in order, stops them in reverse on Ctrl-C (SIGTERM), and blocks meanwhile. */
public final class ServiceRunner {

    private static final Logger log = LoggerFactory.getLogger(ServiceRunner.class);

    private ServiceRunner() {
    }

    /** A service's {@code main}: start it, then run until Ctrl-C / SIGTERM. */
    public static void startAndRun(Service service) throws Exception {
        service.start();
        runUntilShutdown(List.of(service));
    }

    public static void runUntilShutdown(List<? extends AutoCloseable> components) {
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("Shutting down");
            closeAll(components);
            done.countDown();
        }, "shutdown"));
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes in reverse order, logging (never hiding) what fails, so one failure does not stop the rest. */
    public static void closeAll(List<? extends AutoCloseable> components) {
        List<AutoCloseable> reversed = new ArrayList<>(components);
        Collections.reverse(reversed);
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                log.error("Failed to close {}", c, e);
            }
        }
    }
}
