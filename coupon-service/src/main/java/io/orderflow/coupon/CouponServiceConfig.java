package io.orderflow.coupon;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.config.ServiceConfig;

/**
 * coupon-service's settings: the common ones plus its own.
 *
 * @param common what every service reads (HTTP_PORT defaults to 8091)
 * @param publishCatalogOnStart {@code COUPON_PUBLISH_CATALOG} (default true): at start, write every coupon
 *        whose definition was never published, or changed since, to {@code coupons.catalog} via the outbox
 */
public record CouponServiceConfig(ServiceConfig common, boolean publishCatalogOnStart) {

    public static final String SERVICE_NAME = "coupon-service";
    /** Its own database (and role) on a shared PostgreSQL server. */
    public static final String DATABASE = "coupons";
    public static final int DEFAULT_HTTP_PORT = 8091;

    public static CouponServiceConfig fromEnv(Env env) {
        return new CouponServiceConfig(
                ServiceConfig.fromEnv(env, SERVICE_NAME, DATABASE, DEFAULT_HTTP_PORT),
                env.bool("COUPON_PUBLISH_CATALOG", true));
    }
}
