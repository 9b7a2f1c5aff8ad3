package io.orderflow.launcher;

import io.orderflow.coupon.CouponService;
import io.orderflow.coupon.CouponServiceConfig;
import io.orderflow.notification.NotificationService;
import io.orderflow.notification.NotificationServiceConfig;
import io.orderflow.order.OrderService;
import io.orderflow.order.OrderServiceConfig;
import io.orderflow.platform.config.Env;
import io.orderflow.platform.lifecycle.Service;
import io.orderflow.platform.runtime.RuntimeService;
import io.orderflow.points.PointsService;
import io.orderflow.points.PointsServiceConfig;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The four services by name, each built from an environment: the one place that knows them all. */
public final class Services {

    /** Start order: order-service last, so its coupon view finds the catalog coupon-service just published. */
    public static final List<String> NAMES = List.of(CouponServiceConfig.SERVICE_NAME, PointsServiceConfig.SERVICE_NAME,
            NotificationServiceConfig.SERVICE_NAME, OrderServiceConfig.SERVICE_NAME);

    private static final Map<String, Function<Env, Service>> FACTORIES = Map.of(
            OrderServiceConfig.SERVICE_NAME, env -> OrderService.create(OrderServiceConfig.fromEnv(env)),
            CouponServiceConfig.SERVICE_NAME, env -> CouponService.create(CouponServiceConfig.fromEnv(env)),
            PointsServiceConfig.SERVICE_NAME, env -> PointsService.create(PointsServiceConfig.fromEnv(env)),
            NotificationServiceConfig.SERVICE_NAME, env -> NotificationService.create(NotificationServiceConfig.fromEnv(env)));

    /** Each service's own database (and role) on a shared server, as its config names it. */
    private static final Map<String, String> DATABASES = Map.of(
            OrderServiceConfig.SERVICE_NAME, OrderServiceConfig.DATABASE,
            CouponServiceConfig.SERVICE_NAME, CouponServiceConfig.DATABASE,
            PointsServiceConfig.SERVICE_NAME, PointsServiceConfig.DATABASE,
            NotificationServiceConfig.SERVICE_NAME, NotificationServiceConfig.DATABASE);

    private Services() {
    }

    /** The name of the service's own database, which is also its role's. */
    public static String database(String name) {
        String database = DATABASES.get(name);
        if (database == null) {
            throw new IllegalArgumentException("Unknown service '" + name + "'; one of " + NAMES);
        }
        return database;
    }

    public static Service create(String name, Env env) {
        Function<Env, Service> factory = FACTORIES.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("Unknown service '" + name + "'; one of " + NAMES);
        }
        return factory.apply(env);
    }

    /** The port a started service listens on. */
    public static int httpPort(Service service) {
        return ((RuntimeService) service).httpPort();
    }
}
