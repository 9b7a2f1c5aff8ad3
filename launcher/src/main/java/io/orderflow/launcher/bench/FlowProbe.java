package io.orderflow.launcher.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * What the flow did, read from where it is recorded: the orders' final states in order-service's database
 * (each bench phase has its own customer prefix; {@code updated_at} of a final order is when its saga ended),
 * and the records the flow wrote, summed over the end offsets of every topic but the raw-pipe one.
 */
final class FlowProbe implements AutoCloseable {

    /** Orders of one phase right now. */
    record Counts(int total, int completed, int cancelled, int failed) {
        int finished() {
            return completed + cancelled + failed;
        }
    }

    private final Connection orders;
    private final Admin admin;

    FlowProbe(int postgresPort, String bootstrap) throws SQLException {
        this.orders = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgresPort + "/orders", "orders", "");
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        this.admin = Admin.create(p);
    }

    Counts counts(String customerPrefix) throws SQLException {
        try (PreparedStatement ps = orders.prepareStatement("SELECT count(*), count(*) FILTER (WHERE status = 'COMPLETED'), "
                + "count(*) FILTER (WHERE status = 'CANCELLED'), count(*) FILTER (WHERE status = 'FAILED') "
                + "FROM orders WHERE customer_id LIKE ?")) {
            ps.setString(1, customerPrefix + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Counts(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getInt(4));
            }
        }
    }

    /** Waits until every one of {@code expected} orders is final, or none finished for {@code idleSeconds}, or the timeout. */
    Counts awaitFinal(String customerPrefix, int expected, long timeoutSeconds, long idleSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        long lastProgress = System.nanoTime();
        int lastFinished = -1;
        Counts counts = counts(customerPrefix);
        while (counts.finished() < expected && System.nanoTime() < deadline
                && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(idleSeconds)) {
            Thread.sleep(500); // polling the database: the bench watches from outside the stack
            counts = counts(customerPrefix);
            if (counts.finished() != lastFinished) {
                lastFinished = counts.finished();
                lastProgress = System.nanoTime();
            }
        }
        return counts;
    }

    /** Seconds from {@code fromMillis} to the end of the last saga of the phase. */
    double secondsToLastFinal(String customerPrefix, long fromMillis) throws SQLException {
        try (PreparedStatement ps = orders.prepareStatement("SELECT max(updated_at) FROM orders WHERE customer_id LIKE ? "
                + "AND status IN ('COMPLETED', 'CANCELLED', 'FAILED')")) {
            ps.setString(1, customerPrefix + "%");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                Timestamp last = rs.getTimestamp(1);
                return last == null ? Double.NaN : (last.getTime() - fromMillis) / 1000.0;
            }
        }
    }

    /** COMPLETED sagas per whole second since {@code fromMillis} (second → count). */
    Map<Integer, Integer> completedPerSecond(String customerPrefix, long fromMillis) throws SQLException {
        Map<Integer, Integer> perSecond = new LinkedHashMap<>();
        try (PreparedStatement ps = orders.prepareStatement("SELECT floor(extract(epoch FROM updated_at) - ?)::int AS s, count(*) "
                + "FROM orders WHERE customer_id LIKE ? AND status = 'COMPLETED' GROUP BY 1 ORDER BY 1")) {
            ps.setDouble(1, fromMillis / 1000.0);
            ps.setString(2, customerPrefix + "%");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    perSecond.put(rs.getInt(1), rs.getInt(2));
                }
            }
        }
        return perSecond;
    }

    /** Records in every topic of the flow (end offsets summed; transaction markers count too). */
    long flowRecords() throws Exception {
        Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                .filter(t -> !t.equals(RawPipe.TOPIC)).collect(Collectors.toSet());
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
        described.values().forEach(d -> d.partitions().forEach(p -> request.put(new TopicPartition(d.name(), p.partition()),
                OffsetSpec.latest())));
        return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
                .mapToLong(info -> info.offset()).sum();
    }

    @Override
    public void close() throws Exception {
        admin.close();
        orders.close();
    }
}
