package io.orderflow.platform.crash;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Named places in the code where a crash drill can kill this JVM for real, at an exact moment (after a
 * DB commit, before the answer or the offset commit that follows it). Armed through the environment:
 * <ul>
 *   <li>{@code ORDERFLOW_CRASH_POINT}: the point's name, e.g. {@value #CONSUMER_AFTER_DB_COMMIT};</li>
 *   <li>{@code ORDERFLOW_CRASH_AFTER}: the hit that kills (default 1: the first);</li>
 *   <li>{@code ORDERFLOW_CRASH_ARM_FILE}: optional; hits count only once this file exists, so a workload
 *       can ramp up before the crash becomes possible.</li>
 * </ul>
 * The kill is {@code kill -KILL} of this process (no shutdown hook, no flush, nothing closed), or
 * {@link Runtime#halt} if that cannot be run. Unarmed (no {@code ORDERFLOW_CRASH_POINT}), {@link #hit} is a
 * check of a static final null: free.
 */
public final class CrashPoints {

    /** order-service: the order, its payment and its outbox row are committed; the client has no answer yet. */
    public static final String CHECKOUT_AFTER_COMMIT = "checkout.after-commit";
    /** Any outbox relay: a batch was acknowledged by the broker; its rows are not yet deleted from the outbox. */
    public static final String OUTBOX_AFTER_SEND = "outbox.after-send";
    /** Any idempotent consumer: a batch's DB transaction (effects + inbox) committed; its offsets are not. */
    public static final String CONSUMER_AFTER_DB_COMMIT = "consumer.after-db-commit";
    /** The saga: a transition was stored and its commands forwarded; the Streams (EOS) transaction is open. */
    public static final String SAGA_AFTER_FORWARD = "saga.after-forward";
    /** notification-service: a notification went to the sender; it is not yet marked SENT. */
    public static final String NOTIFICATION_AFTER_SEND = "notification.after-send";

    public static final String POINT_ENV = "ORDERFLOW_CRASH_POINT";
    public static final String AFTER_ENV = "ORDERFLOW_CRASH_AFTER";
    public static final String ARM_FILE_ENV = "ORDERFLOW_CRASH_ARM_FILE";

    private static final Armed ARMED = Armed.fromEnv(System.getenv(), CrashPoints::killThisProcess);

    private CrashPoints() {
    }

    /** Kills this JVM if this is the armed point and its hit. */
    public static void hit(String point) {
        if (ARMED != null) {
            ARMED.hit(point);
        }
    }

    /** One armed point (package-private so its counting can be tested without dying). */
    static final class Armed {
        private final String point;
        private final long after;
        private final Path armFile;
        private final Runnable kill;
        private final AtomicLong hits = new AtomicLong();
        private volatile boolean armFileSeen;

        Armed(String point, long after, Path armFile, Runnable kill) {
            if (after < 1) {
                throw new IllegalArgumentException(AFTER_ENV + " must be 1 or more, was " + after);
            }
            this.point = Objects.requireNonNull(point);
            this.after = after;
            this.armFile = armFile;
            this.kill = kill;
        }

        /** Null when the environment arms no point. */
        static Armed fromEnv(Map<String, String> env, Runnable kill) {
            String point = env.get(POINT_ENV);
            if (point == null || point.isBlank()) {
                return null;
            }
            String after = env.getOrDefault(AFTER_ENV, "1");
            String armFile = env.get(ARM_FILE_ENV);
            Armed armed = new Armed(point.trim(), Long.parseLong(after.trim()),
                    armFile == null || armFile.isBlank() ? null : Path.of(armFile), kill);
            System.err.println("CRASH POINT armed: " + armed.point + " kills this process at hit " + armed.after
                    + (armed.armFile == null ? "" : " counted once " + armed.armFile + " exists"));
            return armed;
        }

        /** Counts a hit of {@code point}; runs the kill at the armed hit (and at any later one, should it return). */
        boolean hit(String name) {
            if (!point.equals(name) || !armed()) {
                return false;
            }
            long n = hits.incrementAndGet();
            if (n < after) {
                return false;
            }
            System.err.println("CRASH POINT " + point + ": hit " + n + ", kill -9 of this process now");
            System.err.flush();
            kill.run();
            return true;
        }

        long hits() {
            return hits.get();
        }

        private boolean armed() {
            if (armFile == null || armFileSeen) {
                return true;
            }
            armFileSeen = Files.exists(armFile);
            return armFileSeen;
        }
    }

    /** SIGKILL to ourselves, as {@code kill -9} from outside would; halt if the signal cannot be sent. */
    private static void killThisProcess() {
        long pid = ProcessHandle.current().pid();
        try {
            Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(pid)).inheritIO().start();
            kill.waitFor(10, TimeUnit.SECONDS);
            // Still here: the signal is on its way, or kill failed. Never go past the point either way.
            TimeUnit.SECONDS.sleep(10);
        } catch (Exception e) {
            System.err.println("CRASH POINT: kill -KILL " + pid + " failed (" + e + "); halting instead");
        }
        Runtime.getRuntime().halt(137);
    }
}
