package io.orderflow.launcher.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Collects the bench's figures and writes them: a markdown file and a PNG with the two pictures. */
final class BenchReport {

    private record Fixed(int rate, OpenLoop.Result sent, FlowProbe.Counts counts, StackMemory.Sample memory, StackMemory.Cpu cpu) {
    }

    private final LocalDateTime started = LocalDateTime.now(ZoneOffset.UTC);
    private final StringBuilder details = new StringBuilder();
    private final List<Fixed> fixed = new ArrayList<>();
    private final List<String> headline = new ArrayList<>();
    private String plan;
    private String command;
    private List<String> jvmOptions;
    private String loadAverage;
    private String commit;
    private OpenLoop.Result burstSent;
    private FlowProbe.Counts burstCounts;
    private double burstSeconds;
    private Map<Integer, Integer> burstPerSecond = Map.of();
    private double coldSagasPerSecond;
    private int coldStuck;
    private RawPipe.Result raw;
    private long burstFlowRecords;
    private StackMemory.Sample peak;
    private double burstCpuMsPerOrder;

    void start(String plan, String command, List<String> jvmOptions) {
        this.plan = plan;
        this.command = command;
        this.jvmOptions = jvmOptions;
        this.commit = commit(); // at the start: a long run may end after the checkout moved on
        this.loadAverage = read("/proc/loadavg").split(" ").length >= 3
                ? String.join(" ", List.of(read("/proc/loadavg").split(" ")).subList(0, 3)) : "?";
    }

    void cold(OpenLoop.Result sent, FlowProbe.Counts counts, double seconds, int stuck, StackMemory.Sample memory,
              StackMemory.Cpu cpu) {
        coldSagasPerSecond = counts.finished() / seconds;
        coldStuck = stuck;
        details.append(String.format(Locale.ROOT, "| cold: first %,d orders | %,d accepted (%.0f/s), POST p99 %.1f ms | "
                        + "%,d final in %.1f s: **%.0f sagas/s** (%,d COMPLETED, %,d CANCELLED, %,d FAILED), %d stuck | %s | %s |%n",
                sent.sent(), sent.accepted(), sent.acceptedPerSecond(), sent.ms(99), counts.finished(), seconds,
                coldSagasPerSecond, counts.completed(), counts.cancelled(), counts.failed(), stuck, memory(memory),
                cpu(cpu, sent.accepted())));
    }

    void raw(RawPipe.Result raw) {
        this.raw = raw;
        details.append(String.format(Locale.ROOT, "| raw pipe: %,d records of 200 B, acks=all, idempotent | produced "
                + "**%,.0f records/s** | consumed **%,.0f records/s** | | |%n", raw.records(), raw.producedPerSecond(),
                raw.consumedPerSecond()));
    }

    void burst(OpenLoop.Result sent, FlowProbe.Counts counts, double seconds, long flowRecords, Map<Integer, Integer> perSecond,
               StackMemory.Sample memory, StackMemory.Cpu cpu) {
        burstCpuMsPerOrder = 1000 * cpu.total() / Math.max(1, sent.accepted());
        burstSent = sent;
        burstCounts = counts;
        burstSeconds = seconds;
        burstFlowRecords = flowRecords;
        burstPerSecond = perSecond;
        details.append(String.format(Locale.ROOT, "| warm burst: %,d orders offered at 2,000/s | POST accepted %,d at **%.0f/s**, "
                        + "p50 %.1f ms, p99 **%.1f ms**, %d failed | %,d COMPLETED in %.1f s: **%.0f sagas/s** (%,d CANCELLED, "
                        + "%,d FAILED, %,d not final); the flow wrote %,d records (%,.0f/s) | %s | %s |%n",
                sent.sent(), sent.accepted(), sent.acceptedPerSecond(), sent.ms(50), sent.ms(99), sent.failed(),
                counts.completed(), seconds, counts.completed() / seconds, counts.cancelled(), counts.failed(),
                sent.accepted() - counts.finished(), flowRecords, flowRecords / seconds, memory(memory),
                cpu(cpu, sent.accepted())));
    }

    void fixed(int rate, OpenLoop.Result sent, FlowProbe.Counts counts, StackMemory.Sample memory, StackMemory.Cpu cpu) {
        fixed.add(new Fixed(rate, sent, counts, memory, cpu));
    }

    void memoryOverall(StackMemory.Sample peak) {
        this.peak = peak;
    }

    /** Writes {@code bench-<time>-<plan>.md} and {@code .png} into {@code dir}; returns the markdown's path. */
    Path write(Path dir) throws IOException {
        String stem = "bench-" + started.format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + plan;
        Path md = dir.resolve(stem + ".md");
        Path png = dir.resolve(stem + ".png");
        writeChart(png);
        StringBuilder s = new StringBuilder();
        s.append("# OrderFlow bench, ").append(plan).append(" run\n\n");
        s.append("- date: ").append(started.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)).append(" UTC\n");
        s.append("- commit: ").append(commit).append(" (of the checkout the bench was started in)\n");
        s.append("- machine: ").append(machine()).append(", load average before the run ").append(loadAverage).append('\n');
        s.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version"))
                .append("; all-in-one flags: ").append(jvmOptions.isEmpty() ? "(none)" : String.join(" ", jvmOptions)).append('\n');
        s.append("- command: `").append(command).append("`\n");
        s.append("- load: plain orders (WELCOME10, a new customer each), ").append(Bench.CONNECTIONS)
                .append(" connections, open loop (latency from the intended send time)\n\n");
        s.append("![POST latency against offered rate; sagas/s during the burst](").append(png.getFileName()).append(")\n\n");
        s.append("| figure | this run | target |\n| --- | --- | --- |\n");
        if (burstSent != null) {
            s.append(String.format(Locale.ROOT, "| burst of %,d orders offered at 2,000/s: COMPLETED sagas/s | **%.0f/s**; POST "
                            + "accepted at %.0f/s, p99 %.1f ms | ≥ 5,000/s |%n", burstSent.sent(), burstCounts.completed() / burstSeconds,
                    burstSent.acceptedPerSecond(), burstSent.ms(99)));
        }
        for (Fixed f : fixed) {
            if (f.rate() == 1_000 || f.rate() == 3_000) {
                s.append(String.format(Locale.ROOT, "| `POST /orders` p99 at a fixed %,d req/s | **%.1f ms** (p50 %.1f ms; "
                                + "accepted %.0f/s) | %s |%n", f.rate(), f.sent().ms(99), f.sent().ms(50), f.sent().acceptedPerSecond(),
                        f.rate() == 1_000 ? "≤ 10 ms" : "≤ 50 ms"));
            }
        }
        s.append(String.format(Locale.ROOT, "| first orders after a cold start | **%.0f sagas/s**, %d stuck | ≥ 1,000/s, 0 stuck |%n",
                coldSagasPerSecond, coldStuck));
        if (peak != null) {
            s.append(String.format(Locale.ROOT, "| memory during the runs (JVM plus PostgreSQL) | PSS **%s**, RSS %s (JVM %s) | ≤ 1.2 GB |%n",
                    Bench.mb(peak.pssBytes()), Bench.mb(peak.rssBytes()), Bench.mb(peak.jvmRssBytes())));
        }
        if (raw != null && burstSent != null) {
            double flow = burstFlowRecords / burstSeconds;
            s.append(String.format(Locale.ROOT, "| records/s moved by the flow ÷ the raw producer limit | **%.1f %%** (%,.0f ÷ %,.0f) | ≥ 15 %% |%n",
                    100 * flow / raw.producedPerSecond(), flow, raw.producedPerSecond()));
        }
        if (burstSent != null) {
            s.append(String.format(Locale.ROOT, "| stack CPU per order in the burst (JVM + PostgreSQL; comparable on a shared machine) "
                    + "| **%.1f ms** | |%n", burstCpuMsPerOrder));
        }
        s.append("\n## Phases\n\n| phase | sending | result | peak memory | stack CPU |\n| --- | --- | --- | --- | --- |\n")
                .append(details);
        s.append("\n## Fixed rates (open loop, ").append(Bench.CONNECTIONS).append(" connections)\n\n");
        s.append("| offered req/s | accepted/s | failed | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | sagas final after "
                + "| of them COMPLETED / CANCELLED / FAILED | peak memory | stack CPU |\n");
        s.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Fixed f : fixed) {
            OpenLoop.Result r = f.sent();
            s.append(String.format(Locale.ROOT, "| %,d | %.0f | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %,d of %,d "
                            + "| %,d / %,d / %,d | %s | %s |%n",
                    f.rate(), r.acceptedPerSecond(), r.failed(), r.ms(50), r.ms(90), r.ms(99), r.ms(99.9),
                    r.latencyMicros().getMaxValue() / 1000.0, f.counts().finished(), r.accepted(), f.counts().completed(),
                    f.counts().cancelled(), f.counts().failed(), memory(f.memory()), cpu(f.cpu(), r.accepted())));
        }
        s.append("\nStack CPU: user + system seconds of the all-in-one JVM and the PostgreSQL processes during the phase "
                + "(sending and draining), per accepted order. On a shared machine it compares runs where rates cannot.\n");
        s.append("\nMemory: PSS shares PostgreSQL's shared buffers out among its processes (the honest sum); RSS counts them "
                + "once per process.\n");
        Files.writeString(md, s.toString());
        return md;
    }

    private void writeChart(Path png) throws IOException {
        XYChart latency = new XYChartBuilder().width(800).height(520)
                .title("POST /orders latency vs offered rate (open loop, 64 conns): flat and low = keeps up")
                .xAxisTitle("offered rate (requests/s)").yAxisTitle("latency from intended send (ms, log)").build();
        latency.getStyler().setYAxisLogarithmic(true).setLegendPosition(Styler.LegendPosition.InsideNW)
                .setChartTitleFont(latency.getStyler().getChartTitleFont().deriveFont(13f));
        if (!fixed.isEmpty()) {
            double[] x = fixed.stream().mapToDouble(Fixed::rate).toArray();
            for (double p : new double[] {50, 90, 99, 99.9}) {
                double[] y = fixed.stream().mapToDouble(f -> Math.max(0.01, f.sent().ms(p))).toArray();
                latency.addSeries("p" + (p == Math.rint(p) ? Integer.toString((int) p) : Double.toString(p)), x, y)
                        .setMarker(SeriesMarkers.CIRCLE);
            }
        }
        XYChart sagas = new XYChartBuilder().width(800).height(520)
                .title("Sagas COMPLETED per second in the burst offered at 2,000/s: near 2,000 = the flow keeps up")
                .xAxisTitle("seconds since the first POST of the burst").yAxisTitle("COMPLETED sagas per second").build();
        sagas.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE)
                .setChartTitleFont(sagas.getStyler().getChartTitleFont().deriveFont(13f));
        Map<Integer, Integer> series = new TreeMap<>(burstPerSecond);
        if (!series.isEmpty()) {
            int last = ((TreeMap<Integer, Integer>) series).lastKey();
            double[] x = new double[last + 1];
            double[] y = new double[last + 1];
            for (int i = 0; i <= last; i++) {
                x[i] = i;
                y[i] = series.getOrDefault(i, 0);
            }
            sagas.addSeries("COMPLETED sagas/s", x, y).setMarker(SeriesMarkers.NONE);
            if (burstSent != null) {
                double sendEnd = burstSent.sendSeconds();
                sagas.addSeries("orders offered/s", new double[] {0, sendEnd}, new double[] {2_000, 2_000})
                        .setMarker(SeriesMarkers.NONE);
            }
        }
        BufferedImage left = BitmapEncoder.getBufferedImage(latency);
        BufferedImage right = BitmapEncoder.getBufferedImage(sagas);
        BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth(), Math.max(left.getHeight(), right.getHeight()),
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, both.getWidth(), both.getHeight());
        g.drawImage(left, 0, 0, null);
        g.drawImage(right, left.getWidth(), 0, null);
        g.dispose();
        ImageIO.write(both, "png", png.toFile());
    }

    private static String memory(StackMemory.Sample m) {
        return m == null ? "" : "PSS " + Bench.mb(m.pssBytes()) + ", RSS " + Bench.mb(m.rssBytes());
    }

    private static String cpu(StackMemory.Cpu cpu, int orders) {
        return String.format(Locale.ROOT, "%.1f ms/order (JVM %.1f, PostgreSQL %.1f)", 1000 * cpu.total() / Math.max(1, orders),
                1000 * cpu.jvmSeconds() / Math.max(1, orders), 1000 * cpu.postgresSeconds() / Math.max(1, orders));
    }

    private static String commit() {
        try {
            Process p = new ProcessBuilder("git", "describe", "--always", "--dirty").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 && !s.isEmpty() ? s : "unknown (not run from a git checkout)";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }

    private static String machine() {
        String cpu = read("/proc/cpuinfo").lines().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(System.getProperty("os.arch"));
        String mem = read("/proc/meminfo").lines().filter(l -> l.startsWith("MemTotal")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / (1024 * 1024) + " GiB").orElse("?");
        return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + mem + " RAM, "
                + System.getProperty("os.name") + " " + System.getProperty("os.version");
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
