package io.orderflow.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.launcher.TeeStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code demo all --quick}: every scene of the reference runs end to end (smaller counts), so the demos
 * cannot rot. Each demo checks its own claims; this test fails when any of them says FAIL, and shows
 * the demos' output.
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
}
