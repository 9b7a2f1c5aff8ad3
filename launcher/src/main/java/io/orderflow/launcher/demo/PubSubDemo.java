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
    public void run(DemoStack stack, DemoOut out) throws Exception {
        int n = out.count(30, 10);
        String run = "pubsub-" + Long.toString(System.currentTimeMillis(), 36);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String body = Http.order(run + "-c" + i, i % 3 == 0 ? "FLASH100" : null, i % 5 == 4 ? 100 : 0);
            Http.Reply r = Http.post(stack.orders() + "/orders", i % 2 == 0 ? body.replace("\"USD\"", "\"EUR\"") : body);
            ids.add(r.status() == 202 ? r.body().get("orderId").asText() : stack.place(body)); // EUR refused: USD
        }
        // What the run's orders paid, as order-service answers over HTTP: the amount of each CAPTURED payment.
        Map<String, Long> runExpected = new TreeMap<>();
        for (String id : ids) {
            var order = stack.awaitFinal(id, Duration.ofSeconds(60));
            String payment = order.path("payment").asText();
            if (payment.equals("CAPTURED") || payment.equals("REFUNDED")) { // a refund nets to 0
                runExpected.merge(order.path("currency").asText(), payment.equals("CAPTURED")
                        ? order.path("amountCents").asLong() : 0L, Long::sum);
            }
        }
        java.util.Set<String> runIds = new java.util.HashSet<>(ids);
        Map<String, Long> runProjection = new TreeMap<>();
        String group = "revenue-projection-" + Long.toString(System.currentTimeMillis(), 36);
        out.say("Placed %d orders (USD and EUR; some cancelled and refunded), all final. Now a consumer group that", n);
        out.say("never existed, %s, subscribes to payments.events from offset 0:", group);
        out.say("+amount per PaymentCompleted, -amount per PaymentRefunded.");
        Map<String, Long> projection = new TreeMap<>();
        long records = 0;
        long t0 = System.nanoTime();
        AvroSerde serde = new AvroSerde(new HttpSchemaRegistryClient(stack.registry()));
        Properties props = KafkaClients.consumer(stack.bootstrap(), group, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        Map<TopicPartition, Long> end;
        try (Admin admin = stack.admin()) {
            if (stack.inProcess()) {
                // Every payment event published (the outbox relay runs in the background), so the totals can match.
                Waits.until("order-service's outbox empty (every payment event published)", Duration.ofSeconds(30),
                        () -> KafkaDownDemo.outboxDepth(stack) == 0);
            }
            end = Groups.endOffsets(admin, Groups.partitions(admin, Topics.PAYMENTS_EVENTS.name()));
        }
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(Topics.PAYMENTS_EVENTS.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // Up to the end, and (against a running stack, whose outbox this demo cannot see) until the run's own
            // refunds, published a moment after their orders turned CANCELLED, are in.
            while ((end.entrySet().stream().anyMatch(e -> positionOf(consumer, e.getKey()) < e.getValue())
                    || !runProjection.equals(runExpected)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    SpecificRecord event = serde.deserialize(r.topic(), r.value());
                    records++;
                    Map<String, Long> ofRun = runIds.contains(r.key()) ? runProjection : null;
                    if (event instanceof PaymentCompleted p) {
                        add(projection, ofRun, p.getCurrency(), p.getAmountCents());
                    } else if (event instanceof PaymentRefunded p) {
                        add(projection, ofRun, p.getCurrency(), -p.getAmountCents());
                    }
                }
                consumer.commitSync();
            }
        }
        out.say("It read %d records in %.1f s. Revenue per currency (cents):", records, (System.nanoTime() - t0) / 1e9);
        out.say("  this run's %d orders, from the log: %s; from GET /orders/{id}: %s", n, runProjection, runExpected);
        out.check(runProjection.equals(runExpected), "for this run's orders the new subscriber's totals equal order-service's");
        boolean allEqual = true;
        if (stack.inProcess()) {
            Map<String, Long> db = capturedInDb(stack);
            out.say("  every order on the topic, from the log: %s; CAPTURED in order-service's database: %s", projection, db);
            allEqual = out.check(projection.equals(db), "over the whole topic they equal the order database's");
        }
        out.say("Why: order-service was not changed, redeployed or even told; a new consumer of the same events");
        out.say("is a new group. Without the queue, checkout would call every new downstream system itself.");
        out.headline("new group read %d records; totals %s", records,
                allEqual && runProjection.equals(runExpected) ? "equal" : "differ");
    }

    private static void add(Map<String, Long> all, Map<String, Long> run, String currency, long cents) {
        all.merge(currency, cents, Long::sum);
        if (run != null) {
            run.merge(currency, cents, Long::sum);
        }
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
