package io.orderflow.platform.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RatePacerTest {

    @Test
    void batchesAtTheCapTakeTheirShareOfASecond() throws Exception {
        RatePacer pacer = new RatePacer(200); // 5 ms per record
        long t0 = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            pacer.pace(25, System.nanoTime(), () -> true); // 4 x 25 records = 100 records: at least 0.5 s
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(elapsedMs).isBetween(480L, 5_000L);
    }

    @Test
    void noCapNeverWaits() throws Exception {
        long t0 = System.nanoTime();
        RatePacer.UNLIMITED.pace(1_000_000, t0, () -> true);
        assertThat(RatePacer.UNLIMITED.limited()).isFalse();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(100);
    }

    @Test
    void stopsWaitingWhenTheLoopStops() throws Exception {
        RatePacer pacer = new RatePacer(1);
        long t0 = System.nanoTime();
        pacer.pace(3_600, t0, () -> false); // an hour of budget, but the loop is closing
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1_000);
    }

    @Test
    void refusesANegativeCap() {
        assertThatThrownBy(() -> new RatePacer(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
