package io.orderflow.notification;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.platform.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NotificationServiceConfigTest {

    @Test
    void readsItsVariablesWithLocalDefaults() {
        Env env = Env.of(Map.of());
        NotificationServiceConfig config = NotificationServiceConfig.fromEnv(env);

        assertThat(config.common().serviceName()).isEqualTo("notification-service");
        assertThat(config.common().httpPort()).isEqualTo(8093);
        assertThat(config.maxPerSecond()).isZero();
        assertThat(config.common().dbUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:54329/notifications");
        assertThat(config.common().dbUser()).isEqualTo("notifications");
        assertThat(env.keysRead()).contains("HTTP_PORT", "DB_URL", "KAFKA_BOOTSTRAP_SERVERS", "NOTIFICATION_MAX_PER_SECOND");
    }

    @Test
    void maxPerSecondComesFromTheEnvironment() {
        assertThat(NotificationServiceConfig.fromEnv(Env.of(Map.of("NOTIFICATION_MAX_PER_SECOND", "50"))).maxPerSecond())
                .isEqualTo(50);
    }
}
