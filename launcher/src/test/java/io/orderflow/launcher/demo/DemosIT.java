package io.orderflow.launcher.demo;

import static org.assertj.core.api.Assertions.assertThat;

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

    /** Writes to both: the output is kept for the assertion and shown as it comes. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            b.flush();
        }
    }
}
