package io.orderflow.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The build-time twin of the registry's check: each topic's schema in this build must read data
 * written with the schema last released (src/test/resources/registered), i.e. be BACKWARD compatible.
 * Consumers upgraded first then keep reading what the old producers still write.
 */
class SchemaCompatibilityTest {

    static final java.util.List<Topic> TOPICS = Topics.ALL;

    @ParameterizedTest(name = "{0}")
    @FieldSource("TOPICS")
    void theCurrentSchemaReadsDataWrittenWithTheReleasedOne(Topic topic) throws Exception {
        Schema released = released(topic);

        var result = SchemaCompatibility.checkReaderWriterCompatibility(topic.valueSchema(), released);

        assertThat(result.getType())
                .as("%s: this build cannot read data written with the released schema: %s", topic,
                        result.getResult().getIncompatibilities())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("TOPICS")
    void aBreakingChangeWouldBeCaught(Topic topic) throws Exception {
        // A new required field without a default in the first record type: old data lacks it.
        Schema record = topic.recordSchemas().get(0);
        Schema broken = new Schema.Parser().parse(record.toString().replaceFirst("\"fields\"\\s*:\\s*\\[",
                "\"fields\":[{\"name\":\"addedWithoutDefault\",\"type\":\"string\"},"));

        var result = SchemaCompatibility.checkReaderWriterCompatibility(broken, record);

        assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    private static Schema released(Topic topic) throws Exception {
        String path = "/registered/" + topic.valueSubject() + ".avsc";
        try (InputStream in = SchemaCompatibilityTest.class.getResourceAsStream(path)) {
            assertThat(in).as("no released schema %s: add it when the topic is first released", path).isNotNull();
            return new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
