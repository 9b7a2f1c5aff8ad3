package io.orderflow.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's output without a stack: the markdown has the rows and the PNG is drawn headless. */
class BenchReportTest {

    @TempDir
    Path out;

    @Test
    void writesTheTableAndThePicture() throws Exception {
        System.setProperty("java.awt.headless", "true");
        BenchReport report = new BenchReport();
        report.start("quick", "java -jar orderflow.jar bench --quick", List.of("-Xmx512m"));
        StackMemory.Sample memory = new StackMemory.Sample(900L << 20, 700L << 20, 500L << 20);
        StackMemory.Cpu cpu = new StackMemory.Cpu(4.0, 2.0);
        report.cold(result(1_000, 500), new FlowProbe.Counts(1_000, 1_000, 0, 0), 2.0, 0, memory, cpu);
        report.raw(new RawPipe.Result(1_000, 300_000, 1_000_000));
        report.burst(result(2_000, 2_000), new FlowProbe.Counts(2_000, 1_990, 10, 0), 4.0, 40_000,
                Map.of(0, 400, 1, 600, 2, 500, 3, 490), memory, cpu);
        for (int rate : new int[] {500, 1_000, 2_000, 3_000}) {
            report.fixed(rate, result(rate, rate), new FlowProbe.Counts(rate, rate, 0, 0), memory, cpu);
        }
        report.memoryOverall(memory);

        Path md = report.write(out);

        String text = Files.readString(md);
        assertThat(text).contains("| burst of 2,000 orders offered at 2,000/s: COMPLETED sagas/s | **498/s**")
                .contains("`POST /orders` p99 at a fixed 1,000 req/s").contains("`POST /orders` p99 at a fixed 3,000 req/s")
                .contains("first orders after a cold start | **500 sagas/s**, 0 stuck")
                .contains("PSS **700 MB**").contains("records/s moved by the flow ÷ the raw producer limit | **3.3 %**")
                .contains("- command: `java -jar orderflow.jar bench --quick`");
        BufferedImage png = ImageIO.read(md.resolveSibling(md.getFileName().toString().replace(".md", ".png")).toFile());
        assertThat(png.getWidth()).isEqualTo(1600);
        assertThat(png.getHeight()).isEqualTo(520);
    }

    private static OpenLoop.Result result(int orders, int ratePerSecond) {
        Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        for (int i = 1; i <= 100; i++) {
            latency.recordValue(i * 1_000L);
        }
        return new OpenLoop.Result(orders, orders, 0, latency, System.currentTimeMillis(), (double) orders / ratePerSecond);
    }
}
