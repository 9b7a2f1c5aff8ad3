package io.orderflow.order.saga;

import static io.orderflow.order.saga.Events.paymentCompleted;
import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.platform.streams.BoundedRocksDb;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The saga's RocksDB stores live in the one off-heap budget {@link BoundedRocksDb} sets (compose gives
 * order-service 1 GB in all): what they hold is charged to the shared cache, and stays within it.
 */
class SagaRocksDbBudgetTest {

    @TempDir
    Path stateDir;

    @Test
    void theSagaStoresAreChargedToTheSharedBudget() {
        try (SagaHarness saga = new SagaHarness(stateDir)) {
            for (int i = 0; i < 500; i++) {
                saga.send(paymentCompleted("budget-" + i, null));
            }
            assertThat(BoundedRocksDb.budgetBytes()).isEqualTo(BoundedRocksDb.DEFAULT_MEMORY_BYTES);
            assertThat(BoundedRocksDb.usedBytes()).isPositive().isLessThanOrEqualTo(BoundedRocksDb.budgetBytes());
        }
    }
}
