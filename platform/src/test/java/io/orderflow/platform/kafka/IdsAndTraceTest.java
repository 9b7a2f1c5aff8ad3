package io.orderflow.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The ids and trace headers made without {@code UUID.randomUUID()}'s lock or {@code String.format}: same shapes as before. */
class IdsAndTraceTest {

    @Test
    void idsAreVersion4UuidsAndDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = Ids.uuid();
            UUID parsed = UUID.fromString(id);
            assertThat(parsed.version()).isEqualTo(4);
            assertThat(parsed.variant()).isEqualTo(2);
            assertThat(parsed.toString()).isEqualTo(id);
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
    }

    @Test
    void traceparentKeepsItsW3cShape() {
        TraceContext trace = TraceContext.start("c-1");
        assertThat(trace.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        TraceContext next = trace.nextSpan();
        assertThat(next.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01")
                .startsWith(trace.traceparent().substring(0, 36)).isNotEqualTo(trace.traceparent());
    }
}
