package io.orderflow.coupon;

import static org.assertj.core.api.Assertions.assertThat;

import io.orderflow.platform.config.Env;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CouponServiceConfigTest {

    @Test
    void readsItsVariablesWithLocalDefaults() {
        Env env = Env.of(Map.of());
        CouponServiceConfig config = CouponServiceConfig.fromEnv(env);

        assertThat(config.common().serviceName()).isEqualTo("coupon-service");
        assertThat(config.common().consumerGroup()).isEqualTo("coupon-service");
        assertThat(config.common().httpPort()).isEqualTo(8091);
        assertThat(config.publishCatalogOnStart()).isTrue();
        assertThat(config.common().dbUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:54329/coupons");
        assertThat(config.common().dbUser()).isEqualTo("coupons");
        assertThat(env.keysRead()).contains("HTTP_PORT", "KAFKA_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_URL", "DB_URL",
                "COUPON_PUBLISH_CATALOG");
    }

    @Test
    void settingsComeFromTheEnvironment() {
        CouponServiceConfig config = CouponServiceConfig.fromEnv(Env.of(Map.of(
                "HTTP_PORT", "9191", "COUPON_PUBLISH_CATALOG", "false")));

        assertThat(config.common().httpPort()).isEqualTo(9191);
        assertThat(config.publishCatalogOnStart()).isFalse();
    }
}
