package io.orderflow.platform.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceConfigTest {

    @Test
    void aServiceAloneFindsItsDatabaseOnTheLocalStacksPostgres() {
        ServiceConfig config = ServiceConfig.fromEnv(Env.of(Map.of()), "order-service", "orders", 8080);

        assertThat(config.dbUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:54329/orders");
        assertThat(config.dbUser()).isEqualTo("orders");
        assertThat(config.dbPassword()).isEmpty();
    }

    @Test
    void theEnvironmentPointsItAnywhere() {
        ServiceConfig config = ServiceConfig.fromEnv(Env.of(Map.of(
                "DB_URL", "jdbc:postgresql://postgres:5432/orders", "DB_USER", "svc", "DB_PASSWORD", "secret")),
                "order-service", "orders", 8080);

        assertThat(config.dbUrl()).isEqualTo("jdbc:postgresql://postgres:5432/orders");
        assertThat(config.dbUser()).isEqualTo("svc");
        assertThat(config.dbPassword()).isEqualTo("secret");
    }
}
