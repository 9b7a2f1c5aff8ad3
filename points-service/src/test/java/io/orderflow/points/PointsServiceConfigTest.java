package io.orderflow.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.orderflow.platform.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PointsServiceConfigTest {

    @Test
    void readsItsVariablesWithLocalDefaults() {
        Env env = Env.of(Map.of());
        PointsServiceConfig config = PointsServiceConfig.fromEnv(env);

        assertThat(config.common().serviceName()).isEqualTo("points-service");
        assertThat(config.common().httpPort()).isEqualTo(8092);
        assertThat(config.centsPerPoint()).isEqualTo(100);
        assertThat(config.common().dbUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:54329/points");
        assertThat(config.common().dbUser()).isEqualTo("points");
        assertThat(env.keysRead()).contains("HTTP_PORT", "DB_URL", "KAFKA_BOOTSTRAP_SERVERS", "POINTS_CENTS_PER_POINT");
    }

    @Test
    void theOperatorCreditIsOffWithoutAnAdminTokenAndRefusesAShortOne() {
        assertThat(PointsServiceConfig.fromEnv(Env.of(Map.of())).adminToken().enabled()).isFalse();
        assertThat(PointsServiceConfig.fromEnv(Env.of(Map.of("ADMIN_TOKEN", " "))).adminToken().enabled()).isFalse();
        assertThat(PointsServiceConfig.fromEnv(Env.of(Map.of("ADMIN_TOKEN", "a-long-enough-token"))).adminToken().enabled())
                .isTrue();
        assertThatThrownBy(() -> PointsServiceConfig.fromEnv(Env.of(Map.of("ADMIN_TOKEN", "short"))))
                .hasMessageContaining("ADMIN_TOKEN");
    }

    @Test
    void refusesANonPositiveEarnRate() {
        assertThatThrownBy(() -> PointsServiceConfig.fromEnv(Env.of(Map.of("POINTS_CENTS_PER_POINT", "0"))))
                .hasMessageContaining("POINTS_CENTS_PER_POINT");
    }
}
