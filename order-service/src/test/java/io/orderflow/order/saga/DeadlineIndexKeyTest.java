package io.orderflow.order.saga;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The index key is built without a Formatter now; it must stay byte for byte what {@code %020d|%s} made (stored keys). */
class DeadlineIndexKeyTest {

    @Test
    void sameKeysAsTheFormatterMade() {
        for (long millis : new long[] {0, 7, 1_795_704_147_737L, Long.MAX_VALUE}) {
            assertThat(DeadlineIndex.key(millis, "o-1")).isEqualTo(String.format("%020d|%s", millis, "o-1"));
            assertThat(DeadlineIndex.padded(millis)).isEqualTo(String.format("%020d", millis));
        }
    }
}
