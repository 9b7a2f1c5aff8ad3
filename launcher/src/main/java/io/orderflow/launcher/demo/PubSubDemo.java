package io.orderflow.launcher.demo;

import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.platform.avro.AvroSerde;
import io.orderflow.platform.avro.HttpSchemaRegistryClient;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.schemas.Topics;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reference 001/002 (decoupling): a new subscriber joins without the publisher knowing. */
final class PubSubDemo implements Demo {

    @Override
    public String name() {
        return "pubsub";
    }

    @Override
    public String title() {
        return "decoupling: a new consumer group builds revenue per currency from payments.events";
    }

    @Override
    public boolean needsInProcess() {
        return true;
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        int n = out.count(30, 10);
        String run = "pubsub-" + Long.toString(System.currentTimeMillis(), 36);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String body = Http.order(run + "-c" + i, i % 3 == 0 ? "FLASH100" : null, i % 5 == 4 ? 100 : 0);
            Http.Reply r = Http.post(stack.orders() + "/orders", i % 2 == 0 ? body.replace("\"USD\"", "\"EUR\"") : body);
            ids.add(r.status() == 202 ? r.body().get("orderId").asText() : stack.place(body)); // EUR refused: USD
        }
        for (String id : ids) {
            stack.awaitFinal(id, Duration.ofSeconds(60));
        }
        String group = "revenue-projection-" + Long.toString(System.currentTimeMillis(), 36);
        out.say("Placed %d orders (USD and EUR; some cancelled and refunded), all final. Now a consumer group that never existed, %s,", n, group);
        out.say("subscribes to payments.events from offset 0: +amount per PaymentCompleted, -amount per PaymentRefunded.");
        Map<String, Long> projection = new TreeMap<>();
        long records = 0;
        long t0 = System.nanoTime();
        AvroSerde serde = new AvroSerde(new HttpSchemaRegistryClient(stack.registry()));
        Properties props = KafkaClients.consumer(stack.bootstrap(), group, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<TopicPartition, Long> end;
        try (Admin admin = stack.admin()) {
            // Wait until the orders' payments are all published (the outbox relay runs in the background).
            Waits.until("order-service's outbox empty (every payment event published)", Duration.ofSeconds(30),
                    () -> KafkaDownDemo.outboxDepth(stack) == 0);
            end = Groups.endOffsets(admin, Groups.partitions(admin, Topics.PAYMENTS_EVENTS.name()));
        }
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(Topics.PAYMENTS_EVENTS.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (end.entrySet().stream().anyMatch(e -> positionOf(consumer, e.getKey()) < e.getValue())
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    SpecificRecord event = serde.deserialize(r.topic(), r.value());
                    records++;
                    if (event instanceof PaymentCompleted p) {
                        projection.merge(p.getCurrency(), p.getAmountCents(), Long::sum);
                    } else if (event instanceof PaymentRefunded p) {
                        projection.merge(p.getCurrency(), -p.getAmountCents(), Long::sum);
                    }
                }
                consumer.commitSync();
            }
        }
        Map<String, Long> db = capturedInDb(stack);
        out.say("It read %d records in %.1f s. Revenue per currency (cents):", records, (System.nanoTime() - t0) / 1e9);
        out.say("  projection from the log: %s", projection);
        out.say("  order-service's payments: %s  (SUM(amount_cents) of CAPTURED payments)", db);
        out.check(projection.equals(db), "the new subscriber's totals equal the order database's");
        out.say("Why: order-service was not changed, redeployed or even told; a new consumer of the same events");
        out.say("is a new group. Without the queue, checkout would call every new downstream system itself.");
        out.headline("new group read %d records; totals %s", records, projection.equals(db) ? "equal" : "differ");
    }

    private static long positionOf(KafkaConsumer<String, byte[]> consumer, TopicPartition tp) {
        return consumer.assignment().contains(tp) ? consumer.position(tp) : -1;
    }

    private static Map<String, Long> capturedInDb(DemoStack stack) throws Exception {
        Map<String, Long> totals = new TreeMap<>();
        try (Connection c = stack.db("order-service").getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT currency, SUM(amount_cents) FROM payments WHERE status = 'CAPTURED' "
                     + "GROUP BY currency")) {
            while (rs.next()) {
                totals.put(rs.getString(1), rs.getLong(2));
            }
        }
        return totals;
    }
}
