package io.orderflow.launcher.drill;

import io.orderflow.platform.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Every order request a drill made and what came back, in the spirit of a Jepsen history: the
 * checker later compares it with what the databases say. A request either got an answer (202
 * with an orderId, or a definite refusal such as 400 or 503) or none (timeout, connection reset
 * by a crash): an <em>indeterminate</em> request may or may not have placed its order, and the
 * checker accepts either, but never half of one.
 */
public final class History {

    /** What a request asked for. */
    public record Request(long seq, String idempotencyKey, String customerId, String couponCode, long pointsToRedeem,
                         String kind) {
    }

    /**
     * One request and its outcome.
     *
     * @param status the HTTP status, or 0 when no answer came (indeterminate)
     * @param orderId the orderId of a 202, else null
     * @param startNanos when it was scheduled to be sent ({@link System#nanoTime()}), so latency includes any queueing
     * @param endNanos when the answer (or the failure) came
     * @param error what went wrong when no answer came
     */
    public record Entry(Request request, int status, String orderId, long startNanos, long endNanos, String error) {

        public boolean accepted() {
            return status == 202;
        }

        /** Answered, but not 202: the server says it did not place the order. */
        public boolean refused() {
            return status != 0 && status != 202;
        }

        public boolean indeterminate() {
            return status == 0;
        }

        public long latencyMicros() {
            return (endNanos - startNanos) / 1_000;
        }
    }

    private final ConcurrentLinkedQueue<Entry> entries = new ConcurrentLinkedQueue<>();

    void add(Entry entry) {
        entries.add(entry);
    }

    /** The entries so far, in request order. */
    public List<Entry> entries() {
        List<Entry> list = new ArrayList<>(entries);
        list.sort((a, b) -> Long.compare(a.request().seq(), b.request().seq()));
        return Collections.unmodifiableList(list);
    }

    public long accepted() {
        return entries.stream().filter(Entry::accepted).count();
    }

    /** Refusals by HTTP status. */
    public Map<Integer, Long> refusedByStatus() {
        Map<Integer, Long> byStatus = new TreeMap<>();
        entries.stream().filter(Entry::refused).forEach(e -> byStatus.merge(e.status(), 1L, Long::sum));
        return byStatus;
    }

    public long indeterminate() {
        return entries.stream().filter(Entry::indeterminate).count();
    }

    /**
     * The longest time between two consecutive 202 answers while requests kept coming (how long
     * writes stalled), in milliseconds.
     */
    public long longestAcceptGapMillis() {
        List<Long> ends = entries.stream().filter(Entry::accepted).map(Entry::endNanos).sorted().toList();
        long longest = 0;
        for (int i = 1; i < ends.size(); i++) {
            longest = Math.max(longest, ends.get(i) - ends.get(i - 1));
        }
        return longest / 1_000_000;
    }

    /** Writes one JSON object per line, for a post-mortem. */
    public void save(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                for (Entry e : entries()) {
                    w.write(Json.MAPPER.writeValueAsString(e));
                    w.write('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }
}
