package io.orderflow.platform.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** CONSUMER_MAX_RECORDS_PER_SECOND is the subscription's cap: its loops' shares add up to it, never more. */
class ConsumerCapSharesTest {

    @Test
    void theSharesAddUpToTheCapExactly() {
        for (int cap = 1; cap <= 200; cap++) {
            for (int loops = 1; loops <= 8; loops++) {
                int[] shares = ServiceRuntime.capShares(cap, loops);
                assertThat(Arrays.stream(shares).sum()).as("cap %d over %d loops: %s", cap, loops, Arrays.toString(shares))
                        .isEqualTo(cap);
                // No loop gets 0, which would mean "no cap": fewer loops instead.
                assertThat(Arrays.stream(shares).min().orElse(0)).as("cap %d over %d loops: %s", cap, loops,
                        Arrays.toString(shares)).isPositive();
                assertThat(shares).hasSize(Math.min(cap, loops));
            }
        }
    }

    @Test
    void fortyOverThreeLoopsIsFourteenThirteenThirteen() {
        // Rounding each share up gave 14 + 14 + 14 = 42/s for a cap of 40 (the peak-shaving demo saw 41.8/s).
        assertThat(ServiceRuntime.capShares(40, 3)).containsExactly(14, 13, 13);
    }

    @Test
    void noCapKeepsEveryLoopUncapped() {
        assertThat(ServiceRuntime.capShares(0, 3)).containsExactly(0, 0, 0);
    }
}
