package io.orderflow.launcher.bench;

import io.orderflow.devstack.LocalPostgres;
import io.orderflow.launcher.JvmFlags;
import io.orderflow.devstack.ChildJvm;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bench [--quick] [--out DIR] [--jvm "OPTIONS"] [--jfr FILE] [--keep]}: starts its own all-in-one in a
 * fresh data directory (a child JVM on free ports, so its memory and the load generator's are apart), then
 * measures in one run, a progress line per phase: the cold first orders, the raw producer and consumer limit,
 * the warm burst, POST latency at fixed open-loop rates, and the stack's memory. It writes a markdown table and
 * a PNG to {@code DIR} (default {@code bench/}).
 */
public final class Bench {

    /** Sizes of a run. */
    record Plan(String name, int coldOrders, long rawRecords, int burstOrders, double burstRate, int[] fixedRates,
                int fixedSeconds, long drainSeconds) {
        static final Plan FULL = new Plan("full", 10_000, 3_000_000, 20_000, 2_000, new int[] {500, 1_000, 2_000, 3_000}, 20, 240);
        static final Plan QUICK = new Plan("quick", 2_000, 300_000, 4_000, 2_000, new int[] {500, 1_000, 2_000, 3_000}, 3, 60);
    }

    static final int CONNECTIONS = 64;

    private final Plan plan;
    private final Path out;
    private final List<String> jvmOptions;
    private final boolean keep;
    private final long t0 = System.nanoTime();
    private final BenchReport report = new BenchReport();

    private Bench(Plan plan, Path out, List<String> jvmOptions, boolean keep) {
        this.plan = plan;
        this.out = out;
        this.jvmOptions = jvmOptions;
        this.keep = keep;
    }

    static final String USAGE = String.join("\n",
            "usage: java -jar orderflow.jar bench [--quick] [--out DIR] [--jvm \"FLAGS\"] [--jfr FILE] [--keep]",
            "  starts its own all-in-one in a fresh data directory and measures it: the raw Kafka pipe, the cold first",
            "  orders, a warm burst and fixed rates of 500-3,000 req/s (about 7 min; --quick about 2 min), then writes",
            "  bench-<time>-<plan>.md and .png to DIR (default: bench)",
            "  --jvm   the all-in-one's JVM flags (default: " + String.join(" ", JvmFlags.RECOMMENDED) + "; \"\" for none)",
            "  --jfr   record the all-in-one with JFR (settings=profile) to FILE",
            "  --keep  keep the data directory afterwards");

    public static void main(String[] args) throws Exception {
        List<String> a = Arrays.asList(args);
        // An option the bench does not know ends here: a typo, or --help, must not start a 7-minute run.
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick", "--keep" -> { }
                case "--out", "--jvm", "--jfr" -> i++;
                default -> {
                    boolean help = args[i].equals("--help") || args[i].equals("-h");
                    (help ? System.out : System.err).println((help ? "" : "bench: unknown option " + args[i] + "\n") + USAGE);
                    if (!help) {
                        System.exit(2);
                    }
                    return;
                }
            }
        }
        Plan plan = a.contains("--quick") ? Plan.QUICK : Plan.FULL;
        Path out = Path.of(option(a, "--out", "bench"));
        // The stack runs with the recommended flags unless --jvm says otherwise (--jvm "" runs it with the JVM's defaults).
        List<String> jvm = new ArrayList<>(Arrays.asList(option(a, "--jvm", String.join(" ", JvmFlags.RECOMMENDED)).trim()
                .split("\\s+")));
        jvm.removeIf(String::isEmpty);
        String jfr = option(a, "--jfr", null);
        if (jfr != null) {
            jvm.add("-XX:StartFlightRecording=filename=" + Path.of(jfr).toAbsolutePath() + ",settings=profile,dumponexit=true");
        }
        new Bench(plan, out, jvm, a.contains("--keep")).run(String.join(" ", args));
    }

    private static String option(List<String> args, String name, String otherwise) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : otherwise;
    }

    private void run(String commandLine) throws Exception {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(out);
        Path dataDir = Files.createTempDirectory("orderflow-bench-");
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String p : List.of("KAFKA_PORT", "SCHEMA_REGISTRY_PORT", "POSTGRES_PORT", "ORDER_HTTP_PORT", "COUPON_HTTP_PORT",
                "POINTS_HTTP_PORT", "NOTIFICATION_HTTP_PORT")) {
            ports.put(p, freePort());
        }
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", dataDir.toString());
        ports.forEach((k, v) -> env.put(k, Integer.toString(v)));
        report.start(plan.name(), "java -jar launcher/target/orderflow.jar bench " + commandLine, jvmOptions);
        say("stack", "starting the all-in-one in " + dataDir + " (child JVM " + (jvmOptions.isEmpty() ? "with default flags"
                : String.join(" ", jvmOptions)) + ")");
        ChildJvm stack = ChildJvm.of("all-in-one", jvmOptions, List.of("all"), env, out.resolve("all-in-one.log"));
        Thread cleanup = new Thread(() -> stop(stack, dataDir));
        Runtime.getRuntime().addShutdownHook(cleanup);
        MemorySampler memory = null;
        try {
            stack.start();
            String orderUrl = "http://127.0.0.1:" + ports.get("ORDER_HTTP_PORT");
            for (String p : List.of("ORDER_HTTP_PORT", "COUPON_HTTP_PORT", "POINTS_HTTP_PORT", "NOTIFICATION_HTTP_PORT")) {
                stack.awaitHttpOk("http://127.0.0.1:" + ports.get(p) + "/health/ready", Duration.ofMinutes(3));
            }
            say("stack", "ready (pid " + stack.pid() + ")");
            memory = new MemorySampler(new StackMemory(stack.pid(), dataDir.resolve("postgres")));
            String bootstrap = "localhost:" + ports.get("KAFKA_PORT");
            try (OpenLoop client = new OpenLoop(orderUrl, CONNECTIONS);
                 FlowProbe probe = new FlowProbe(ports.get("POSTGRES_PORT"), bootstrap)) {
                String run = Long.toString(System.currentTimeMillis(), 36);
                cold(client, probe, memory, run);
                raw(bootstrap, memory);
                burst(client, probe, memory, run);
                fixed(client, probe, memory, run);
            }
            report.memoryOverall(memory.peak());
            say("memory", String.format("peak of the stack: RSS %s (JVM %s), PSS %s", mb(memory.peak().rssBytes()),
                    mb(memory.peak().jvmRssBytes()), mb(memory.peak().pssBytes())));
        } finally {
            if (memory != null) {
                memory.close();
            }
            stop(stack, dataDir);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
        Path written = report.write(out);
        say("done", "results in " + written + " and " + written.toString().replace(".md", ".png") + " after "
                + Math.round((System.nanoTime() - t0) / 1e9) + " s");
    }

    private void cold(OpenLoop client, FlowProbe probe, MemorySampler memory, String run) throws Exception {
        String prefix = "b" + run + "-cold-";
        memory.phase();
        say("cold", plan.coldOrders() + " orders right after start, offered at " + (int) plan.burstRate() + "/s ...");
        StackMemory.Cpu cpu0 = memory.cpu();
        OpenLoop.Result sent = client.run(prefix, plan.coldOrders(), plan.burstRate());
        FlowProbe.Counts counts = probe.awaitFinal(prefix, sent.accepted(), plan.drainSeconds(), 60);
        double seconds = probe.secondsToLastFinal(prefix, sent.firstDueMillis());
        int stuck = sent.accepted() - counts.finished();
        StackMemory.Cpu cpu = memory.cpu().minus(cpu0);
        report.cold(sent, counts, seconds, stuck, memory.phasePeak(), cpu);
        say("cold", String.format("%d accepted, %d final in %.1f s: %.0f sagas/s; %d stuck; POST p99 %.1f ms", sent.accepted(),
                counts.finished(), seconds, counts.finished() / seconds, stuck, sent.ms(99)));
    }

    private void raw(String bootstrap, MemorySampler memory) throws Exception {
        memory.phase();
        say("raw", plan.rawRecords() + " records of 200 bytes, acks=all, idempotent, then read back ...");
        RawPipe.Result raw = RawPipe.measure(bootstrap, plan.rawRecords());
        report.raw(raw);
        say("raw", String.format("produced %.0f records/s, consumed %.0f records/s", raw.producedPerSecond(),
                raw.consumedPerSecond()));
    }

    private void burst(OpenLoop client, FlowProbe probe, MemorySampler memory, String run) throws Exception {
        String prefix = "b" + run + "-burst-";
        memory.phase();
        say("burst", plan.burstOrders() + " orders offered at " + (int) plan.burstRate() + "/s (warm) ...");
        long recordsBefore = probe.flowRecords();
        StackMemory.Cpu cpu0 = memory.cpu();
        OpenLoop.Result sent = client.run(prefix, plan.burstOrders(), plan.burstRate());
        say("burst", String.format("POST: %d accepted at %.0f/s, p50 %.1f ms, p99 %.1f ms; waiting for the sagas ...",
                sent.accepted(), sent.acceptedPerSecond(), sent.ms(50), sent.ms(99)));
        FlowProbe.Counts counts = probe.awaitFinal(prefix, sent.accepted(), plan.drainSeconds(), 60);
        double seconds = probe.secondsToLastFinal(prefix, sent.firstDueMillis());
        long flowRecords = probe.flowRecords() - recordsBefore;
        Map<Integer, Integer> perSecond = probe.completedPerSecond(prefix, sent.firstDueMillis());
        StackMemory.Cpu cpu = memory.cpu().minus(cpu0);
        report.burst(sent, counts, seconds, flowRecords, perSecond, memory.phasePeak(), cpu);
        say("burst", String.format("%d COMPLETED (%d cancelled, %d failed, %d not final) in %.1f s: %.0f COMPLETED sagas/s; "
                        + "flow moved %.0f records/s; stack CPU %.1f ms per order (JVM %.1f, PostgreSQL %.1f)", counts.completed(),
                counts.cancelled(), counts.failed(), sent.accepted() - counts.finished(), seconds, counts.completed() / seconds,
                flowRecords / seconds, 1000 * cpu.total() / sent.accepted(), 1000 * cpu.jvmSeconds() / sent.accepted(),
                1000 * cpu.postgresSeconds() / sent.accepted()));
    }

    private void fixed(OpenLoop client, FlowProbe probe, MemorySampler memory, String run) throws Exception {
        for (int rate : plan.fixedRates()) {
            String prefix = "b" + run + "-r" + rate + "-";
            memory.phase();
            say("rate " + rate, plan.fixedSeconds() + " s at " + rate + " req/s, open loop, " + CONNECTIONS + " connections ...");
            StackMemory.Cpu cpu0 = memory.cpu();
            OpenLoop.Result sent = client.run(prefix, rate * plan.fixedSeconds(), rate);
            FlowProbe.Counts counts = probe.awaitFinal(prefix, sent.accepted(), plan.drainSeconds(), 60);
            report.fixed(rate, sent, counts, memory.phasePeak(), memory.cpu().minus(cpu0));
            say("rate " + rate, String.format("accepted %.0f/s (%d failed); latency ms p50 %.1f p90 %.1f p99 %.1f p99.9 %.1f "
                            + "max %.1f; then %d of %d sagas final (%d COMPLETED, %d CANCELLED, %d FAILED)",
                    sent.acceptedPerSecond(), sent.failed(), sent.ms(50), sent.ms(90), sent.ms(99), sent.ms(99.9),
                    sent.latencyMicros().getMaxValue() / 1000.0, counts.finished(), sent.accepted(), counts.completed(),
                    counts.cancelled(), counts.failed()));
        }
    }

    private void stop(ChildJvm stack, Path dataDir) {
        if (stack.isAlive()) {
            say("stack", "stopping");
            stack.stop(Duration.ofSeconds(60));
        }
        try {
            LocalPostgres.stopAbandoned(dataDir.resolve("postgres"));
        } catch (RuntimeException e) {
            System.err.println("bench: could not check for a PostgreSQL left running in " + dataDir + ": " + e);
        }
        if (!keep) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("bench: could not delete " + dataDir + ": " + e);
            }
        }
    }

    private void say(String phase, String message) {
        System.out.printf("[%6.1f s] %-10s %s%n", (System.nanoTime() - t0) / 1e9, phase, message);
    }

    static String mb(long bytes) {
        return (bytes / (1024 * 1024)) + " MB";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Samples the stack's memory once a second; keeps the peak of the whole run and of the current phase. */
    static final class MemorySampler implements AutoCloseable {
        private final StackMemory memory;
        private final Thread thread;
        private volatile StackMemory.Sample peak = new StackMemory.Sample(0, 0, 0);
        private volatile StackMemory.Sample phasePeak = new StackMemory.Sample(0, 0, 0);

        MemorySampler(StackMemory memory) {
            this.memory = memory;
            this.thread = new Thread(this::loop, "bench-memory");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (!Thread.currentThread().isInterrupted()) {
                StackMemory.Sample s = memory.sample();
                synchronized (this) {
                    peak = max(peak, s);
                    phasePeak = max(phasePeak, s);
                }
                try {
                    TimeUnit.SECONDS.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static StackMemory.Sample max(StackMemory.Sample a, StackMemory.Sample b) {
            return new StackMemory.Sample(Math.max(a.rssBytes(), b.rssBytes()), Math.max(a.pssBytes(), b.pssBytes()),
                    Math.max(a.jvmRssBytes(), b.jvmRssBytes()));
        }

        synchronized void phase() {
            phasePeak = memory.sample();
        }

        StackMemory.Sample phasePeak() {
            return max(phasePeak, memory.sample());
        }

        StackMemory.Cpu cpu() {
            return memory.cpu();
        }

        StackMemory.Sample peak() {
            return max(peak, memory.sample());
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }
}
