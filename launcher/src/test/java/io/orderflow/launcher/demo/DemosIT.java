package io.orderflow.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.launcher.TeeStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code demo all --quick}: every scene of the reference runs end to end (smaller counts), so the demos
 * cannot rot. Each demo checks its own claims; this test fails when any of them says FAIL, and shows
 * the demos' output. And the same against a running stack ({@code --base-url}, as a compose user runs it).
 */
class DemosIT {

    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
    void everyDemoPassesInQuickMode() throws Exception {
        Path pictures = Files.createDirectories(Path.of("target", "demo-pictures"));
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        int exit;
        long t0 = System.nanoTime();
        try (PrintStream out = new PrintStream(new TeeStream(buffer, System.out), true, StandardCharsets.UTF_8)) {
            exit = DemoCommand.run(new String[] {"demo", "all", "--quick", "--pictures", pictures.toString()}, out);
        }
        String output = buffer.toString(StandardCharsets.UTF_8);
        System.out.printf("demo all --quick took %s%n", Duration.ofNanos(System.nanoTime() - t0));
        assertThat(output).as("the demos' summary (their output is above)").contains("11 demos: 11 PASS, 0 FAIL, 0 SKIP");
        assertThat(exit).isZero();
        for (String picture : new String[] {"peak-shaving.png", "rate-limit.png", "kafka-down.png"}) {
            assertThat(pictures.resolve(picture)).as("picture %s", picture).isNotEmptyFile();
        }
    }

    /**
     * {@code demo all --quick --base-url ...} against a stack the command did not start, on ports none of the
     * defaults (so every URL must come from the flags): the demos that need only HTTP and Kafka pass on it, the
     * others say SKIP with their reason, none FAILs.
     */
    @Test
    @Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
    void theHttpAndKafkaDemosPassAgainstARunningStack() throws Exception {
        Path dir = Files.createTempDirectory("demos-it-running-stack-");
        try (DemoStack stack = DemoStack.start(dir, Map.of(), Map.of())) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            int exit;
            long t0 = System.nanoTime();
            try (PrintStream out = new PrintStream(new TeeStream(buffer, System.out), true, StandardCharsets.UTF_8)) {
                exit = DemoCommand.run(new String[] {"demo", "all", "--quick", "--pictures", "target/demo-pictures",
                        "--base-url", stack.orders(), "--bootstrap", stack.bootstrap(), "--registry", stack.registry(),
                        "--coupon-url", stack.url("coupon-service"), "--points-url", stack.url("points-service"),
                        "--notification-url", stack.url("notification-service")}, out);
            }
            String output = buffer.toString(StandardCharsets.UTF_8);
            System.out.printf("demo all --quick against a running stack took %s%n", Duration.ofNanos(System.nanoTime() - t0));
            for (String demo : List.of("async", "pubsub", "ordering", "saga", "dead-letter")) {
                assertThat(output).as("the demos' summary (their output is above)").contains("| " + demo + " | PASS |");
            }
            for (Demo demo : DemoCommand.ALL) {
                if (demo.notOnExternalStack() != null) {
                    assertThat(output).contains("| " + demo.name() + " | SKIP | 0 s | not on a running stack: "
                            + demo.notOnExternalStack());
                }
            }
            assertThat(output).contains("11 demos: 5 PASS, 0 FAIL, 6 SKIP");
            assertThat(exit).isZero();
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
