package io.orderflow.launcher.demo;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code demo <name>|all [--keep] [--quick] [--pictures DIR] [--base-url U --bootstrap B --registry R]}: the
 * reference's scenes, each a short story with measured figures and PASS or FAIL. By default every demo runs
 * on a stack this command starts in a fresh temporary directory (the demos that need no special settings
 * share one); {@code --keep} keeps that directory (data and logs) afterwards. With {@code --base-url} (and
 * {@code --coupon-url}, {@code --points-url}, {@code --notification-url} when not at compose's ports) they run
 * against a running stack, where a demo that needs more than HTTP and Kafka says SKIP and why
 * ({@link Demo#notOnExternalStack()}). {@code demo all} ends with a summary table and exits non-zero if a demo failed.
 */
public final class DemoCommand {

    /** In the order; {@code all} runs the ones on the shared stack first, then those with a stack of their own. */
    static final List<Demo> ALL = List.of(new AsyncDemo(), new PubSubDemo(), new PeakShavingDemo(), new RateLimitDemo(),
            new DuplicatesDemo(), new LossDemo(), new OrderingDemo(), new SagaDemo(), new KafkaDownDemo(), new ReplayDemo(),
            new DeadLetterDemo());

    /** One demo's outcome, for the summary. */
    record Outcome(String name, String verdict, double seconds, String headline, List<String> pictures) {
    }

    private DemoCommand() {
    }

    /** Runs the command; returns the exit code (0 when no demo failed). */
    public static int run(String[] args, PrintStream out) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--keep", "--quick" -> options.put(args[i], "true");
                case "--base-url", "--bootstrap", "--registry", "--coupon-url", "--points-url", "--notification-url",
                     "--pictures", "--orders", "--seconds", "--cap" -> {
                    if (i + 1 >= args.length) {
                        return usage(out, args[i] + " needs a value");
                    }
                    options.put(args[i], args[++i]);
                }
                default -> names.add(args[i]);
            }
        }
        if (names.size() != 1) {
            return usage(out, names.isEmpty() ? "which demo?" : "one demo name or all");
        }
        boolean quick = options.containsKey("--quick");
        Options opts = new Options(quick, options);
        List<Demo> chosen = new ArrayList<>();
        if (names.get(0).equals("all")) {
            ALL.stream().filter(d -> d.ownStackEnv(opts) == null && !d.ownProcess()).forEach(chosen::add);
            ALL.stream().filter(d -> d.ownStackEnv(opts) != null || d.ownProcess()).forEach(chosen::add);
        } else {
            ALL.stream().filter(d -> d.name().equals(names.get(0))).findFirst().ifPresent(chosen::add);
            if (chosen.isEmpty()) {
                return usage(out, "unknown demo '" + names.get(0) + "'");
            }
        }
        boolean keep = options.containsKey("--keep");
        String baseUrl = options.get("--base-url");
        Path work = Files.createTempDirectory("orderflow-demo-");
        Path pictures = Path.of(options.getOrDefault("--pictures", "demo-pictures"));
        Files.createDirectories(pictures);
        logToFile(work.resolve("demo.log"));
        out.printf("OrderFlow demos%s: %s. Services' logs: %s%n", quick ? " (quick)" : "",
                baseUrl != null ? "against " + baseUrl : "on stacks started here, data in " + work, work.resolve("demo.log"));
        if (baseUrl != null) {
            DemoStack target = DemoStack.external(baseUrl, options.getOrDefault("--bootstrap", "localhost:9092"),
                    options.getOrDefault("--registry", "http://localhost:8081"), options);
            out.printf("A running stack: order %s, coupon %s, points %s, notification %s, Kafka %s, registry %s.%n"
                    + "Only the demos that need nothing but HTTP and Kafka run; the others say SKIP and why.%n",
                    target.orders(), target.url("coupon-service"), target.url("points-service"),
                    target.url("notification-service"), target.bootstrap(), target.registry());
        }

        List<Outcome> outcomes = new ArrayList<>();
        DemoStack shared = null;
        try {
            for (Demo demo : chosen) {
                out.printf("%n== %s: %s%n", demo.name(), demo.title());
                DemoOut demoOut = new DemoOut(out, opts, pictures, work);
                DemoStack own = null;
                long t0 = System.nanoTime();
                try {
                    DemoStack stack;
                    if (baseUrl != null) {
                        shared = shared != null ? shared : DemoStack.external(baseUrl,
                                options.getOrDefault("--bootstrap", "localhost:9092"),
                                options.getOrDefault("--registry", "http://localhost:8081"), options);
                        stack = shared;
                    } else if (demo.ownProcess()) {
                        stack = null;
                    } else if (demo.ownStackEnv(opts) != null) {
                        if (shared != null) {
                            shared.close(); // one stack at a time on a small machine
                            shared = null;
                        }
                        own = startStack(out, work.resolve(demo.name()), demo.ownStackEnv(opts));
                        stack = own;
                    } else {
                        shared = shared != null ? shared : startStack(out, work.resolve("shared"), Map.of());
                        stack = shared;
                    }
                    if (baseUrl != null && demo.notOnExternalStack() != null) {
                        demoOut.skip("not on a running stack: " + demo.notOnExternalStack(),
                                "run it without --base-url: it then starts a stack of its own");
                    } else {
                        if (demo.ownProcess() && shared != null) {
                            shared.close();
                            shared = null;
                        }
                        t0 = System.nanoTime(); // the demo's own time, without starting its stack
                        demo.run(stack, demoOut);
                    }
                } catch (Exception | AssertionError e) {
                    demoOut.fail("the demo could not finish: " + e);
                    LoggerFactory.getLogger(DemoCommand.class).error("demo {} failed", demo.name(), e);
                } finally {
                    if (own != null) {
                        own.close();
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                out.printf("  => %s in %.1f s%n", demoOut.verdict(), seconds);
                outcomes.add(new Outcome(demo.name(), demoOut.verdict(), seconds, demoOut.headline(), demoOut.pictures()));
            }
        } finally {
            if (shared != null) {
                shared.close();
            }
            if (!keep) {
                deleteQuietly(work);
            } else {
                out.printf("%nKept %s (data and logs of each stack)%n", work);
            }
        }
        boolean failed = outcomes.stream().anyMatch(o -> o.verdict().equals("FAIL"));
        if (outcomes.size() > 1) {
            out.printf("%n| demo | result | time | what it measured |%n| --- | --- | --- | --- |%n");
            for (Demo demo : ALL) {
                outcomes.stream().filter(o -> o.name().equals(demo.name())).forEach(o -> out.printf(
                        "| %s | %s | %.0f s | %s |%n", o.name(), o.verdict(), o.seconds(), o.headline()));
            }
            out.printf("%n%d demos: %d PASS, %d FAIL, %d SKIP%n", outcomes.size(), count(outcomes, "PASS"),
                    count(outcomes, "FAIL"), count(outcomes, "SKIP"));
        }
        return failed ? 1 : 0;
    }

    private static DemoStack startStack(PrintStream out, Path dir, Map<String, Map<String, String>> perService)
            throws Exception {
        long t0 = System.nanoTime();
        DemoStack stack = DemoStack.start(dir, Map.of(), perService);
        out.printf("  (started PostgreSQL, Kafka, the registry and the four services%s in %.1f s)%n",
                perService.isEmpty() ? "" : " with " + perService, (System.nanoTime() - t0) / 1e9);
        return stack;
    }

    private static long count(List<Outcome> outcomes, String verdict) {
        return outcomes.stream().filter(o -> o.verdict().equals(verdict)).count();
    }

    private static int usage(PrintStream out, String error) {
        out.println("error: " + error);
        out.println("usage: demo <name>|all [--quick] [--keep] [--pictures DIR] [--base-url U --bootstrap B --registry R]");
        out.println("       against a running stack, --coupon-url, --points-url, --notification-url where they are not");
        out.println("       on --base-url's host at 8091, 8092, 8093 (compose's ports)");
        out.println("       peak-shaving also takes --orders N --seconds S --cap C (points-service's records/s)");
        ALL.forEach(d -> out.printf("  %-13s %s%n", d.name(), d.title()));
        return 2;
    }

    /** The services' logs would drown the story: they go to a file. */
    private static void logToFile(Path file) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setFile(file.toString());
        appender.setEncoder(encoder);
        appender.start();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
        root.setLevel(Level.INFO);
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
