package io.orderflow.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.saga.SagaState;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;

/**
 * State-store values outlive a deploy: the saga state this build reads must resolve what the last
 * released build stored (src/test/resources/stored), as the topic schemas do in {@link SchemaCompatibilityTest}.
 */
class StoredSchemaCompatibilityTest {

    @Test
    void theSagaStateReadsWhatTheReleasedBuildStored() throws Exception {
        Schema released = stored("saga-state");

        var result = SchemaCompatibility.checkReaderWriterCompatibility(SagaState.getClassSchema(), released);

        assertThat(result.getType())
                .as("saga-state: this build cannot read saga states stored by the released one: %s",
                        result.getResult().getIncompatibilities())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    private static Schema stored(String name) throws Exception {
        try (InputStream in = StoredSchemaCompatibilityTest.class.getResourceAsStream("/stored/" + name + ".avsc")) {
            assertThat(in).as("no released schema for %s", name).isNotNull();
            return new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
