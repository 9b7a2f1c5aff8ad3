package io.orderflow.launcher.faults;

import io.orderflow.launcher.drill.FlowDatabases;
import io.orderflow.launcher.drill.History;
import io.orderflow.launcher.drill.HistoryChecker;
import io.orderflow.launcher.drill.OrderWorkload;
import io.orderflow.platform.consumer.Redrive;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code faults [--only NAME,...] [--seconds N] [--rate R] [--dir DIR]}: starts the deployed topology
 * as separate processes ({@link FaultStack}), and for each fault places orders at a fixed rate while
 * injecting it, lets the system settle, then checks the recorded history against the databases
 * ({@link HistoryChecker}, with the cross-service invariants) and the dead-letter topics. One table row
 * per fault; the command fails when any row does.
 */
public final class FaultMatrix {

    /** Every fault, in the order they run. */
    public static final List<String> ALL = List.of("leader-kill", "service-kill", "poison", "kafka-down", "db-down",
            "registry-down", "rolling-kill", "saga-kill", "rebalance", "slow-step");

    /**
     * @param seconds the least load per row (a fault that lasts longer keeps the load on until it is over, plus a few seconds)
     * @param settle how long the checker waits for every order of a row to be final
     */
    public record Options(List<String> only, int seconds, double rate, Duration settle, Path dir) {
    }

    /** One row: what the checker found, and what the fault itself checked. */
    public record Row(String fault, HistoryChecker.Report report, Map<String, Long> deadLettered, List<String> violations,
                      String note, long wallMillis) {

        public boolean ok() {
            return report.ok() && violations.isEmpty();
        }
    }

    /** What an injected fault says about itself: the DLT growth it expects, its own findings, a note for the table. */
    private static final class Injection {
        Map<String, Long> expectedDeadLetters = Map.of();
        final List<String> violations = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        long outageStartNanos;
        long outageEndNanos;
        Runnable afterCheck = () -> { };
    }

    private final FaultStack stack;
    private final FlowDatabases dbs;
    private final Options options;
    private final PrintStream out;

    private FaultMatrix(FaultStack stack, FlowDatabases dbs, Options options, PrintStream out) {
        this.stack = stack;
        this.dbs = dbs;
        this.options = options;
        this.out = out;
    }

    /** The command: returns the process's exit code. */
    public static int main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        List<String> only = o.containsKey("only") ? Arrays.asList(o.get("only").split(",")) : ALL;
        for (String name : only) {
            if (!ALL.contains(name)) {
                System.err.println("error: unknown fault '" + name + "'; one of " + ALL);
                return 2;
            }
        }
        Path dir = o.containsKey("dir") ? Path.of(o.get("dir")) : Files.createTempDirectory("orderflow-faults-");
        Options options = new Options(only, Integer.parseInt(o.getOrDefault("seconds", "20")),
                Double.parseDouble(o.getOrDefault("rate", "50")), Duration.ofSeconds(Long.parseLong(o.getOrDefault("settle", "120"))),
                dir);
        List<Row> rows = run(options, System.out);
        return rows.stream().allMatch(Row::ok) && rows.size() == only.size() ? 0 : 1;
    }

    /** Starts the stack, runs the rows in {@link #ALL}'s order, prints the table; the stack is gone afterwards. */
    public static List<Row> run(Options options, PrintStream out) throws Exception {
        long t0 = System.nanoTime();
        out.printf("Fault matrix: %s, %.0f orders/s, at least %d s of load per row; logs and data in %s%n",
                options.only(), options.rate(), options.seconds(), options.dir().toAbsolutePath());
        List<Row> rows = new ArrayList<>();
        try (FaultStack stack = FaultStack.start(options.dir(), out); FlowDatabases dbs = stack.databases()) {
            FaultMatrix matrix = new FaultMatrix(stack, dbs, options, out);
            for (String fault : ALL) {
                if (options.only().contains(fault)) {
                    Row row = matrix.runRow(fault);
                    rows.add(row);
                    out.println(header());
                    out.println(format(row));
                }
            }
        } finally {
            out.printf("%nFault matrix (%.0f orders/s, %d s of load per row at least, total %.1f min):%n%n", options.rate(),
                    options.seconds(), (System.nanoTime() - t0) / 60e9);
            out.println(header());
            out.println(separator());
            rows.forEach(r -> out.println(format(r)));
            out.println();
            for (Row r : rows) {
                out.printf("%s: %s%n", r.fault(), r.note());
                r.violations().stream().limit(10).forEach(v -> out.println("  - " + v));
                r.report().violations().stream().limit(10).forEach(v -> out.println("  - " + v));
                if (!r.report().invariants().ok()) {
                    r.report().invariants().print(out);
                }
            }
        }
        return rows;
    }

    private Row runRow(String fault) throws Exception {
        long began = System.nanoTime();
        stack.say(fault, "starting");
        String runId = fault + "-" + Long.toString(System.currentTimeMillis(), 36);
        Map<String, Long> dltBefore = DeadLetterCounts.count(stack.kafka().bootstrapServers());
        int expectedOrders = (int) (options.rate() * Math.max(options.seconds(), 60));
        OrderWorkload workload = new OrderWorkload(new OrderWorkload.Settings(stack.orderUrl(), options.rate(),
                Integer.MAX_VALUE, OrderWorkload.Mix.REALISTIC, Math.max(20, expectedOrders / 5), runId,
                Duration.ofSeconds(10), fault.hashCode()));
        Thread load = new Thread(() -> {
            try {
                workload.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "faults-load");
        long loadStart = System.nanoTime();
        load.start();
        Injection injection = new Injection();
        try {
            waitSeconds(Math.max(3, options.seconds() / 4));
            inject(fault, injection);
            // Load on for at least --seconds in all, and a few seconds after the fault ended.
            long minEnd = loadStart + TimeUnit.SECONDS.toNanos(options.seconds());
            long wait = Math.max(minEnd - System.nanoTime(), TimeUnit.SECONDS.toNanos(3));
            TimeUnit.NANOSECONDS.sleep(wait);
        } finally {
            workload.stop();
            load.join();
        }
        stack.say(fault, "load done (" + workload.history().entries().size() + " requests); settling");
        workload.history().save(options.dir().resolve("history-" + fault + ".jsonl"));
        long settleDeadline = System.nanoTime() + options.settle().toNanos();
        HistoryChecker.Report report = HistoryChecker.check(workload.history(), runId, dbs, options.settle());
        // Final statuses come first; the effects that follow them (a notice sent for a final order) may
        // still be on their way: give them the rest of the settle time. What is really wrong stays wrong.
        long settledAt = System.nanoTime();
        long allFinalMillis = report.settleMillis();
        while (!report.ok() && System.nanoTime() < settleDeadline) {
            TimeUnit.SECONDS.sleep(2);
            report = HistoryChecker.check(workload.history(), runId, dbs, Duration.ofSeconds(1));
        }
        if (report.ok() && System.nanoTime() - settledAt > TimeUnit.SECONDS.toNanos(1)) {
            injection.notes.add(String.format("every check held %.1f s after the last order was final",
                    (System.nanoTime() - settledAt) / 1e9));
        }
        Map<String, Long> expected = injection.expectedDeadLetters;
        Map<String, Long> grown = awaitDeadLetters(dltBefore, expected);
        if (!grown.equals(expected)) {
            injection.violations.add("dead-lettered " + grown + ", expected " + expected);
        }
        injection.afterCheck.run();
        if (injection.outageEndNanos > 0) {
            checkOutageLatency(fault, workload.history(), injection);
        }
        long wall = (System.nanoTime() - began) / 1_000_000;
        String note = String.join("; ", injection.notes) + (grown.isEmpty() ? "; nothing dead-lettered" : "; dead-lettered "
                + grown) + String.format("; outcomes %s; all final %.1f s after the load", report.outcomes(),
                allFinalMillis / 1000.0);
        Row row = new Row(fault, report, grown, List.copyOf(injection.violations), note, wall);
        stack.say(fault, row.ok() ? "PASS" : "FAIL");
        return row;
    }

    /** The DLTs' growth since {@code before}, once it reached {@code expected} (or after a bounded wait). */
    private Map<String, Long> awaitDeadLetters(Map<String, Long> before, Map<String, Long> expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(expected.isEmpty() ? 0 : 60);
        Map<String, Long> grown = DeadLetterCounts.growth(before, DeadLetterCounts.count(stack.kafka().bootstrapServers()));
        while (!grown.equals(expected) && System.nanoTime() < deadline) {
            TimeUnit.SECONDS.sleep(1);
            grown = DeadLetterCounts.growth(before, DeadLetterCounts.count(stack.kafka().bootstrapServers()));
        }
        return grown;
    }

    private void inject(String fault, Injection in) throws Exception {
        switch (fault) {
            case "leader-kill" -> {
                int leader = stack.kafka().leaderOf("payments.events", 0);
                stack.kafka().kill9(leader);
                stack.say(fault, "kill -9 kafka-" + leader + " (leader of payments.events-0)");
                waitSeconds(10);
                stack.kafka().restart(leader);
                stack.say(fault, "kafka-" + leader + " back");
                in.notes.add("kill -9 of the leader of payments.events-0 (kafka-" + leader + "), restarted 10 s later");
            }
            case "rolling-kill" -> {
                List<Integer> killed = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    int victim = stack.kafka().leaderOf("payments.events", i);
                    if (killed.contains(victim)) {
                        victim = stack.kafka().ids().stream().filter(id -> !killed.contains(id)).findFirst().orElseThrow();
                    }
                    stack.kafka().kill9(victim);
                    stack.say(fault, "kill -9 kafka-" + victim);
                    waitSeconds(5);
                    stack.kafka().restart(victim);
                    stack.kafka().awaitFullyReplicated(Duration.ofSeconds(120));
                    stack.say(fault, "kafka-" + victim + " back and in sync");
                    killed.add(victim);
                }
                in.notes.add("kill -9 of kafka-" + killed.get(0) + " then kafka-" + killed.get(1)
                        + ", each restarted 5 s later and back in every ISR before the next");
            }
            case "kafka-down" -> {
                stack.kafka().killAll();
                in.outageStartNanos = System.nanoTime();
                stack.say(fault, "kill -9 of all 3 brokers");
                waitSeconds(30);
                in.outageEndNanos = System.nanoTime();
                stack.kafka().startAll();
                stack.say(fault, "brokers back");
                in.notes.add("all 3 brokers kill -9, restarted 30 s later; checkout must keep answering 202");
            }
            case "service-kill" -> {
                for (String service : List.of("coupon-service", "points-service", "notification-service")) {
                    stack.instance(service).kill9();
                    stack.say(fault, "kill -9 " + service);
                    waitSeconds(5);
                    stack.startService(service);
                    stack.say(fault, service + " back");
                }
                in.notes.add("kill -9 of coupon-, points-, notification-service one after the other, each restarted 5 s later");
            }
            case "saga-kill" -> {
                stack.instance("order-service").kill9();
                stack.say(fault, "kill -9 order-service (saga mid-transaction under load)");
                waitSeconds(5);
                stack.startService("order-service");
                stack.say(fault, "order-service back");
                in.notes.add("kill -9 of order-service (checkout and the EOS saga), restarted 5 s later");
            }
            case "db-down" -> {
                stack.postgres().stop();
                in.outageStartNanos = System.nanoTime();
                stack.say(fault, "PostgreSQL stopped");
                waitSeconds(10);
                in.outageEndNanos = System.nanoTime();
                stack.postgres().start();
                stack.say(fault, "PostgreSQL back");
                in.notes.add("PostgreSQL stopped for 10 s (fast shutdown); checkout must refuse with 503 within 1 s");
            }
            case "registry-down" -> {
                stack.registry().kill9();
                stack.say(fault, "kill -9 schema registry");
                waitSeconds(30);
                stack.startRegistry();
                stack.say(fault, "schema registry back");
                in.notes.add("schema registry kill -9, restarted 30 s later");
            }
            case "poison" -> {
                in.expectedDeadLetters = Poison.inject(stack.kafka().bootstrapServers());
                stack.say(fault, "garbage and an unknown schema id sent to " + Poison.READERS.keySet());
                in.notes.add("garbage bytes and an unknown schema id on each of " + Poison.READERS.size()
                        + " consumed topics");
                in.afterCheck = () -> redriveAndShow(in);
            }
            case "rebalance" -> {
                List<String> consumers = List.of("coupon-service", "points-service", "notification-service");
                consumers.forEach(s -> stack.startService(s + "-2"));
                stack.say(fault, "a second instance of each consumer service joined");
                waitSeconds(5);
                for (String s : consumers) {
                    stack.instance(s).kill9();
                }
                stack.say(fault, "kill -9 the first instance of each");
                waitSeconds(5);
                consumers.forEach(stack::startService);
                stack.say(fault, "first instances back");
                in.afterCheck = () -> consumers.forEach(s -> stack.removeInstance(s + "-2"));
                in.notes.add("second instance of coupon-, points-, notification-service joined; the first of each kill -9"
                        + " under load, restarted 5 s later");
            }
            case "slow-step" -> {
                stack.instance("points-service").pause();
                stack.say(fault, "SIGSTOP points-service");
                waitSeconds(60);
                stack.instance("points-service").resume();
                stack.say(fault, "SIGCONT points-service");
                in.notes.add("points-service SIGSTOP for 60 s (step deadline 30 s: TIMEOUT compensations), then SIGCONT");
            }
            default -> throw new IllegalArgumentException(fault);
        }
    }

    /**
     * Redrives what coupon-service dead-lettered, as an operator would: its records go back to
     * payments.events and coupon.commands byte for byte, where every group reading them meets them
     * again. Poison stays poison, so each lands in those groups' DLTs once more, and nothing else moves.
     */
    private void redriveAndShow(Injection in) {
        try {
            String bootstrap = stack.kafka().bootstrapServers();
            Map<String, Long> before = DeadLetterCounts.count(bootstrap);
            Redrive.Result result = Redrive.run(bootstrap, "coupon-service", false);
            Map<String, Long> expected = new LinkedHashMap<>();
            result.perTopic().forEach((topic, n) -> Poison.READERS.getOrDefault(topic, List.of())
                    .forEach(reader -> expected.merge(reader, (long) n, Long::sum)));
            Map<String, Long> again = awaitDeadLetters(before, expected);
            in.notes.add("redrive coupon-service sent " + result.redriven() + " back " + result.perTopic()
                    + "; dead-lettered again by their readers " + again + " (poison stays poison)");
            if (!again.equals(expected)) {
                in.violations.add("after redrive, dead-lettered " + again + ", expected " + expected);
            }
        } catch (Exception e) {
            in.violations.add("redrive failed: " + e);
        }
    }

    /** db-down: every request scheduled during the outage answered (503) within 1 s; kafka-down: all of them 202. */
    private void checkOutageLatency(String fault, History history, Injection in) {
        List<History.Entry> during = history.entries().stream()
                .filter(e -> e.startNanos() >= in.outageStartNanos && e.startNanos() <= in.outageEndNanos).toList();
        long slowest = during.stream().mapToLong(History.Entry::latencyMicros).max().orElse(0) / 1000;
        Map<Integer, Long> byStatus = new java.util.TreeMap<>();
        during.forEach(e -> byStatus.merge(e.status(), 1L, Long::sum));
        in.notes.add(String.format("during the outage %d requests answered %s (0 = no answer), slowest %d ms", during.size(),
                byStatus, slowest));
        if (fault.equals("db-down") && slowest > 1000) {
            in.violations.add("checkout took " + slowest + " ms to answer while PostgreSQL was down (must be ≤ 1000)");
        }
        // The workload's deliberately invalid requests (an unknown coupon) are refused with 400 at any time.
        Map<Integer, Long> valid = new java.util.TreeMap<>();
        during.stream().filter(e -> !e.request().kind().equals("invalid")).forEach(e -> valid.merge(e.status(), 1L, Long::sum));
        if (fault.equals("kafka-down") && valid.keySet().stream().anyMatch(s -> s != 202)) {
            in.violations.add("checkout did not answer 202 to every valid order while Kafka was down: " + valid);
        }
    }

    private static void waitSeconds(long seconds) throws InterruptedException {
        TimeUnit.SECONDS.sleep(seconds); // the fault's schedule: how long it lasts
    }

    static String header() {
        return "| fault         | attempted |   202 | refused | lost | not final | dup effects | oversold | POST→final s | write stall s | result |";
    }

    static String separator() {
        return "|---------------|----------:|------:|--------:|-----:|----------:|------------:|---------:|-------------:|--------------:|--------|";
    }

    static String format(Row r) {
        HistoryChecker.Report p = r.report();
        long refused = p.refused().values().stream().mapToLong(Long::longValue).sum();
        return String.format("| %-13s | %9d | %5d | %7s | %4d | %9d | %11d | %8d | %12.1f | %13.1f | %-6s |", r.fault(),
                p.attempted(), p.accepted(), refused + (p.indeterminate() > 0 ? "+" + p.indeterminate() + "?" : ""),
                p.lost(), p.stuck(), p.duplicateEffects(), p.oversold(), p.longestToFinalMillis() / 1000.0,
                p.longestAcceptGapMillis() / 1000.0, r.ok() ? "PASS" : "FAIL");
    }
}
