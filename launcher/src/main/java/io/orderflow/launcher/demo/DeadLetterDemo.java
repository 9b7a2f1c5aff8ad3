package io.orderflow.launcher.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.platform.consumer.Redrive;
import io.orderflow.platform.kafka.KafkaClients;
import io.orderflow.schemas.Topics;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Reference 002/004 (failed consumption): a record no consumer can read goes to its group's DLT with the
 * reason, the consumers go on, and once the cause is fixed {@code redrive} brings it back, applied once.
 * The poison: a PaymentCompleted written with a schema the registry does not know (a producer that
 * registered it elsewhere); the fix: register that schema.
 */
final class DeadLetterDemo implements Demo {

    private static final String GROUP = "notification-service";

    @Override
    public String name() {
        return "dead-letter";
    }

    @Override
    public String title() {
        return "failed consumption: poison → DLT with the reason, the consumer goes on, redrive applies it once";
    }

    @Override
    public void run(DemoStack stack, DemoOut out) throws Exception {
        String run = "dl-" + Long.toString(System.currentTimeMillis(), 36);
        String orderId = run + "-order";
        String customer = run + "-c";
        String subject = "demo-dead-letter-" + run;
        // A newer PaymentCompleted (one more field, with a default) that this registry has never seen.
        Schema base = PaymentCompleted.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        base.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(new Schema.Field("channel", Schema.create(Schema.Type.STRING), "sales channel", "web"));
        Schema writer = Schema.createRecord(base.getName(), base.getDoc(), base.getNamespace(), false, fields);
        int unknownId = maxSchemaId(stack) + 1;
        GenericRecord payment = new GenericData.Record(writer);
        payment.put("eventId", UUID.randomUUID().toString());
        payment.put("orderId", orderId);
        payment.put("occurredAt", System.currentTimeMillis());
        payment.put("paymentId", run + "-pay");
        payment.put("customerId", customer);
        payment.put("currency", "USD");
        payment.put("subtotalCents", 3998L);
        payment.put("couponCode", null);
        payment.put("discountCents", 0L);
        payment.put("pointsRedeemed", 0L);
        payment.put("amountCents", 3998L);
        payment.put("channel", "kiosk");
        double dltBefore = Metrics.read(stack.url(GROUP), Metrics.CONSUMER_DEAD_LETTERED);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.producer(stack.bootstrap(), run))) {
            producer.send(new ProducerRecord<>(Topics.PAYMENTS_EVENTS.name(), orderId, encode(unknownId, writer, payment))).get();
        }
        long sentAt = System.nanoTime();
        out.say("Publishes a PaymentCompleted for %s with schema id %d, which the registry does not know.", orderId, unknownId);
        Waits.until("dead-lettered", Duration.ofSeconds(30),
                () -> Metrics.read(stack.url(GROUP), Metrics.CONSUMER_DEAD_LETTERED) > dltBefore);
        double dltSeconds = (System.nanoTime() - sentAt) / 1e9;
        ConsumerRecord<String, byte[]> dead = lastOf(stack, Topics.deadLetterTopic(GROUP), orderId);
        java.util.Map<String, String> h = new java.util.HashMap<>();
        for (Header header : dead.headers()) {
            h.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        String why = h.getOrDefault("dlt.exception.message", "");
        out.say("%s had it %.1f s later, the reason in its headers: dlt.failure.kind = %s, dlt.attempts = %s,",
                Topics.deadLetterTopic(GROUP), dltSeconds, h.get("dlt.failure.kind"), h.get("dlt.attempts"));
        out.say("  from %s/%s@%s, dlt.exception.message = %s", h.get("dlt.original.topic"), h.get("dlt.original.partition"),
                h.get("dlt.original.offset"), why.length() > 70 ? why.substring(0, 70) + "…" : why);
        String next = stack.place(Http.order(run + "-next", null, 0));
        JsonNode nextOrder = stack.awaitFinal(next, Duration.ofSeconds(60));
        out.check(nextOrder.path("status").asText().equals("COMPLETED"), "the consumers went on: the next order COMPLETED");
        out.check(notifications(stack, orderId) == 0, "nothing was applied for the poison record");
        Http.Reply registered = Http.post(stack.registry() + "/subjects/" + subject + "/versions",
                io.orderflow.platform.http.Json.MAPPER.writeValueAsString(java.util.Map.of("schema", writer.toString())));
        int id = registered.body().path("id").asInt();
        out.say("The fix: the schema is registered (id %d). Then: redrive %s", id, GROUP);
        Redrive.Result result = Redrive.run(stack.bootstrap(), GROUP, false);
        out.say("  → %d record(s) back to %s (coupon-, points-service and the saga had dead-lettered it too; the", result.redriven(),
                result.perTopic());
        out.say("    one copy back on the topic reaches every group)");
        Waits.until("the redriven record applied", Duration.ofSeconds(30), () -> notifications(stack, orderId) >= 1);
        long afterFirst = notifications(stack, orderId);
        Redrive.Result again = Redrive.run(stack.bootstrap(), GROUP, false);
        out.check(id == unknownId, "the registered schema got the id the record carries (%d)", unknownId);
        out.check(afterFirst == 1, "applied once: %d PAYMENT_RECEIVED notification for %s", afterFirst, orderId);
        out.check(again.redriven() == 0, "a second redrive finds nothing new (progress kept in group %s.redrive)", GROUP);
        out.say("Why: a record that can never be read must not block its partition (no retry forever, no skip");
        out.say("without trace). The DLT keeps it byte for byte with the reason, until someone fixes the cause.");
        out.headline("poison → %s, redriven %d, applied once", Topics.deadLetterTopic(GROUP), result.redriven());
    }

    /** The order's PAYMENT_RECEIVED notifications (what this PaymentCompleted causes in notification-service). */
    private static long notifications(DemoStack stack, String orderId) throws Exception {
        JsonNode list = Http.get(stack.url(GROUP) + "/notifications?orderId=" + orderId).body();
        long n = 0;
        if (list != null) {
            for (JsonNode row : list) {
                n += row.path("kind").asText().equals("PAYMENT_RECEIVED") ? 1 : 0;
            }
        }
        return n;
    }

    private static int maxSchemaId(DemoStack stack) throws Exception {
        int max = 0;
        for (JsonNode v : Http.get(stack.registry() + "/schemas").body()) {
            max = Math.max(max, v.path("id").asInt());
        }
        return max;
    }

    private static byte[] encode(int id, Schema writer, GenericRecord record) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(0);
        bytes.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
        new GenericDatumWriter<GenericRecord>(writer).write(record, encoder);
        encoder.flush();
        return bytes.toByteArray();
    }

    private static ConsumerRecord<String, byte[]> lastOf(DemoStack stack, String topic, String key) throws Exception {
        var props = KafkaClients.consumer(stack.bootstrap(), "dead-letter-demo-reader", "dead-letter-demo-reader");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var admin = stack.admin(); KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            var partitions = Groups.partitions(admin, topic);
            var end = Groups.endOffsets(admin, partitions);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            ConsumerRecord<String, byte[]> found = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        found = r;
                    }
                }
            }
            if (found == null) {
                throw new IllegalStateException("no record with key " + key + " on " + topic);
            }
            return found;
        }
    }
}
