package io.orderflow.launcher;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * The JVM flags the all-in-one is measured with, and whether this JVM runs with a bounded heap. Without
 * {@code -Xmx} the JVM may grow its heap to a quarter of the machine's memory (6 GB on a 24 GB machine)
 * before it collects in earnest, although the live set of the whole stack is ~150 MB.
 */
public final class JvmFlags {

    /** A bounded heap (4× the live set under load) and a collector that suits 1–2 cores without G1's native overhead. */
    public static final List<String> RECOMMENDED = List.of("-Xmx512m", "-XX:+UseParallelGC");

    private JvmFlags() {
    }

    /** Whether a maximum heap was given ({@code -Xmx}, {@code MaxHeapSize}, {@code MaxRAMPercentage}, here or in {@code JAVA_TOOL_OPTIONS}). */
    public static boolean heapBounded() {
        String tool = System.getenv().getOrDefault("JAVA_TOOL_OPTIONS", "") + " " + System.getenv().getOrDefault("JDK_JAVA_OPTIONS", "");
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream().anyMatch(JvmFlags::boundsHeap)
                || List.of(tool.split("\\s+")).stream().anyMatch(JvmFlags::boundsHeap);
    }

    private static boolean boundsHeap(String arg) {
        return arg.startsWith("-Xmx") || arg.contains("MaxHeapSize") || arg.contains("MaxRAMPercentage") || arg.contains("MaxRAM=");
    }

    /** One line telling how to start with {@link #RECOMMENDED}, or null when the heap is bounded already. */
    public static String hint() {
        if (heapBounded()) {
            return null;
        }
        long maxMb = Runtime.getRuntime().maxMemory() / (1024 * 1024);
        return "Heap unbounded (up to " + maxMb + " MB); for a small footprint start with: java " + String.join(" ", RECOMMENDED)
                + " -jar orderflow.jar";
    }
}
