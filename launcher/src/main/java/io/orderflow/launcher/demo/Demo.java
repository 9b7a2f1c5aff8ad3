package io.orderflow.launcher.demo;

import java.util.Map;

/**
 * One of the reference's scenes, run against a stack: it tells what it does, measures, says why it
 * matters, and ends in PASS or FAIL ({@link DemoOut}).
 */
interface Demo {

    /** The name on the command line, e.g. {@code peak-shaving}. */
    String name();

    /** One line: what the scene shows. */
    String title();

    /**
     * Per-service variables this demo needs on a stack of its own (e.g. a consumer cap), or null to run
     * on the stack the demos share. {@link #ownProcess()} demos start what they need themselves.
     */
    default Map<String, Map<String, String>> ownStackEnv(Options options) {
        return null;
    }

    /** Whether the demo starts and kills its own all-in-one (as a child JVM) instead of using a stack. */
    default boolean ownProcess() {
        return false;
    }

    /**
     * Why the demo cannot run against a stack given by {@code --base-url} (it needs the databases, its own
     * settings, or stops or kills part of the stack), or null when HTTP and Kafka are all it needs. Such a demo
     * says SKIP with this reason there, never PASS or FAIL.
     */
    default String notOnExternalStack() {
        return null;
    }

    void run(DemoStack stack, DemoOut out) throws Exception;
}
