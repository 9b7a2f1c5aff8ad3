package io.orderflow.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.launcher.faults.FaultMatrix;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reduced fault matrix on the deployed topology (3 Kafka nodes with RF 3 and min ISR 2, the
 * registry, PostgreSQL and each service as processes of their own), under a steady load with the
 * realistic mix: a partition leader killed and restarted; coupon-, points- and notification-service
 * killed mid-batch and restarted; poison on every consumed topic. After each, no 202 is lost, every
 * order is final, no effect happened twice, no coupon oversold, the cross-service invariants hold, and
 * only the poison was dead-lettered, to the right DLTs. The full matrix is {@code faults} (docs/RELIABILITY.md).
 */
class FaultsIT {

    @Test
    @Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
    void leaderKillServiceKillAndPoisonLoseNothingAndDuplicateNothing() throws Exception {
        Path dir = Files.createTempDirectory("orderflow-faults-it-");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(new TeeStream(System.out, buffer), true, StandardCharsets.UTF_8);
        try {
            List<FaultMatrix.Row> rows = FaultMatrix.run(new FaultMatrix.Options(List.of("leader-kill", "service-kill", "poison"),
                    15, 20, Duration.ofSeconds(150), dir), both);

            assertThat(rows).extracting(FaultMatrix.Row::fault).containsExactly("leader-kill", "service-kill", "poison");
            for (FaultMatrix.Row row : rows) {
                assertThat(row.ok()).as("%s failed:%n%s", row.fault(), buffer.toString(StandardCharsets.UTF_8)).isTrue();
                assertThat(row.report().accepted()).as(row.fault() + ": orders accepted").isPositive();
            }
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) throws java.io.IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
