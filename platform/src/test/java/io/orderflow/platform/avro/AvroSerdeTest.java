package io.orderflow.platform.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.orderflow.events.CouponRejected;
import io.orderflow.events.CouponRejectionReason;
import io.orderflow.events.PaymentCompleted;
import io.orderflow.events.PaymentRefunded;
import io.orderflow.schemas.Topics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroSerde serde = new AvroSerde(registry);

    static PaymentCompleted payment() {
        return PaymentCompleted.newBuilder()
                .setEventId("e-1").setOrderId("o-1").setOccurredAt(Instant.now().truncatedTo(ChronoUnit.MILLIS))
                .setPaymentId("p-1").setCustomerId("c-1").setCurrency("USD")
                .setSubtotalCents(3998).setCouponCode("WELCOME10").setDiscountCents(1000)
                .setPointsRedeemed(0).setAmountCents(2998).build();
    }

    @Test
    void writesConfluentWireFormatWithTheTopicsUnionSchema() {
        byte[] bytes = serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), payment());

        assertThat(bytes[0]).isZero();
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        assertThat(registry.schemaById(id)).isEqualTo(Topics.PAYMENTS_EVENTS.valueSchema());
    }

    @Test
    void roundTripsEveryTypeOfAUnionTopic() {
        PaymentRefunded refund = PaymentRefunded.newBuilder().setEventId("e-2").setOrderId("o-1")
                .setOccurredAt(Instant.ofEpochMilli(1_700_000_000_000L)).setPaymentId("p-1").setCustomerId("c-1")
                .setCurrency("USD").setAmountCents(2998).setReason("COUPON_REJECTED: sold out").build();
        for (SpecificRecord record : new SpecificRecord[] {payment(), refund}) {
            byte[] bytes = serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), record);
            assertThat(serde.deserializer().deserialize(Topics.PAYMENTS_EVENTS.name(), bytes)).isEqualTo(record);
        }
    }

    @Test
    void refusesARecordThatDoesNotBelongOnTheTopic() {
        CouponRejected rejected = CouponRejected.newBuilder().setEventId("e").setOrderId("o")
                .setOccurredAt(Instant.now()).setCouponCode("X").setCustomerId("c")
                .setReason(CouponRejectionReason.SOLD_OUT).setDetail("none left").build();

        assertThatThrownBy(() -> serde.serializer().serialize(Topics.PAYMENTS_EVENTS.name(), rejected))
                .isInstanceOf(SerializationException.class).hasMessageContaining("does not belong");
    }

    @Test
    void refusesBytesThatAreNotWireFormat() {
        assertThatThrownBy(() -> serde.deserializer().deserialize("payments.events", "{\"json\":1}".getBytes()))
                .isInstanceOf(UndecodableRecordException.class).hasMessageContaining("magic byte");
    }

    @Test
    void refusesASchemaIdTheRegistryDoesNotHaveAsUndecodable() {
        byte[] unknownId = {0, 0, 0, 0x30, 0x39, 2, 'x'};
        assertThatThrownBy(() -> serde.deserializer().deserialize("payments.events", unknownId))
                .isInstanceOf(UndecodableRecordException.class).hasMessageContaining("12345")
                .hasCauseInstanceOf(SchemaNotFoundException.class);
    }

    @Test
    void whatTheRegistryAnswersDecidesTheTypeOfItsRefusal() {
        assertThat(HttpSchemaRegistryClient.refusal("no such schema", 404, 40403)).isInstanceOf(SchemaNotFoundException.class);
        assertThat(HttpSchemaRegistryClient.refusal("incompatible", 409, 409)).isInstanceOf(SchemaRejectedException.class);
        assertThat(HttpSchemaRegistryClient.refusal("invalid schema", 422, 42201)).isInstanceOf(SchemaRejectedException.class);
        // Answers that say nothing about the schema: the environment, which may be fixed.
        assertThat(HttpSchemaRegistryClient.refusal("store error", 500, 50001)).isInstanceOf(SchemaRegistryUnavailableException.class);
        assertThat(HttpSchemaRegistryClient.refusal("Not Found", 404, -1)).isInstanceOf(SchemaRegistryUnavailableException.class);
        assertThat(HttpSchemaRegistryClient.refusal("Unauthorized", 401, -1)).isInstanceOf(SchemaRegistryUnavailableException.class);
        assertThat(HttpSchemaRegistryClient.refusal("Too Many Requests", 429, -1)).isInstanceOf(SchemaRegistryUnavailableException.class);
    }
}
