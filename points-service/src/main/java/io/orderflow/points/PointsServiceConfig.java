package io.orderflow.points;

import io.orderflow.platform.config.Env;
import io.orderflow.platform.config.ServiceConfig;
import io.orderflow.platform.http.AdminToken;

/**
 * points-service's settings: the common ones plus its own.
 *
 * @param common what every service reads (HTTP_PORT defaults to 8092)
 * @param centsPerPoint {@code POINTS_CENTS_PER_POINT} (default 100): an order earns
 *        floor(amountCents / centsPerPoint) points, i.e. 1 point per whole currency unit paid
 * @param adminToken {@code ADMIN_TOKEN}: the bearer token of the operator credit/debit
 *        ({@code POST /customers/{id}/points}); unset turns that endpoint off (403)
 */
public record PointsServiceConfig(ServiceConfig common, long centsPerPoint, AdminToken adminToken) {

    public static final String SERVICE_NAME = "points-service";
    /** Its own database (and role) on a shared PostgreSQL server. */
    public static final String DATABASE = "points";
    public static final int DEFAULT_HTTP_PORT = 8092;

    public PointsServiceConfig {
        if (centsPerPoint < 1) {
            throw new IllegalArgumentException("POINTS_CENTS_PER_POINT must be at least 1, was " + centsPerPoint);
        }
    }

    public static PointsServiceConfig fromEnv(Env env) {
        return new PointsServiceConfig(
                ServiceConfig.fromEnv(env, SERVICE_NAME, DATABASE, DEFAULT_HTTP_PORT),
                env.longValue("POINTS_CENTS_PER_POINT", 100),
                AdminToken.of(env.optional("ADMIN_TOKEN")));
    }
}
