package io.orderflow.platform.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrashPointsTest {

    private final AtomicInteger kills = new AtomicInteger();

    @Test
    void unarmedWithoutAPointName() {
        assertThat(CrashPoints.Armed.fromEnv(Map.of(), kills::incrementAndGet)).isNull();
        assertThat(CrashPoints.Armed.fromEnv(Map.of(CrashPoints.POINT_ENV, " "), kills::incrementAndGet)).isNull();
        CrashPoints.hit(CrashPoints.CHECKOUT_AFTER_COMMIT); // this test JVM is not armed: nothing happens
    }

    @Test
    void killsAtTheArmedHitOfTheArmedPointOnly() {
        CrashPoints.Armed armed = CrashPoints.Armed.fromEnv(Map.of(CrashPoints.POINT_ENV, CrashPoints.OUTBOX_AFTER_SEND,
                CrashPoints.AFTER_ENV, "3"), kills::incrementAndGet);

        assertThat(armed.hit(CrashPoints.CONSUMER_AFTER_DB_COMMIT)).isFalse();
        assertThat(armed.hit(CrashPoints.OUTBOX_AFTER_SEND)).isFalse();
        assertThat(armed.hit(CrashPoints.OUTBOX_AFTER_SEND)).isFalse();
        assertThat(kills).hasValue(0);
        assertThat(armed.hit(CrashPoints.OUTBOX_AFTER_SEND)).isTrue();
        assertThat(kills).hasValue(1);
        assertThat(armed.hits()).isEqualTo(3);
    }

    @Test
    void theFirstHitByDefault() {
        CrashPoints.Armed armed = CrashPoints.Armed.fromEnv(Map.of(CrashPoints.POINT_ENV, CrashPoints.SAGA_AFTER_FORWARD),
                kills::incrementAndGet);
        assertThat(armed.hit(CrashPoints.SAGA_AFTER_FORWARD)).isTrue();
        assertThat(kills).hasValue(1);
    }

    @Test
    void hitsCountOnlyOnceTheArmFileExists(@TempDir Path dir) throws Exception {
        Path armFile = dir.resolve("arm");
        CrashPoints.Armed armed = CrashPoints.Armed.fromEnv(Map.of(CrashPoints.POINT_ENV,
                CrashPoints.NOTIFICATION_AFTER_SEND, CrashPoints.AFTER_ENV, "2", CrashPoints.ARM_FILE_ENV,
                armFile.toString()), kills::incrementAndGet);

        for (int i = 0; i < 5; i++) {
            assertThat(armed.hit(CrashPoints.NOTIFICATION_AFTER_SEND)).isFalse();
        }
        assertThat(armed.hits()).isZero();

        Files.createFile(armFile);
        assertThat(armed.hit(CrashPoints.NOTIFICATION_AFTER_SEND)).isFalse();
        assertThat(armed.hit(CrashPoints.NOTIFICATION_AFTER_SEND)).isTrue();
        assertThat(kills).hasValue(1);
    }

    @Test
    void rejectsANonsenseCount() {
        assertThatThrownBy(() -> CrashPoints.Armed.fromEnv(Map.of(CrashPoints.POINT_ENV, "x", CrashPoints.AFTER_ENV, "0"),
                kills::incrementAndGet)).isInstanceOf(IllegalArgumentException.class);
    }
}
