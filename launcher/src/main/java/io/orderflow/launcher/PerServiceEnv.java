package io.orderflow.launcher;

import io.orderflow.platform.config.Env;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The all-in-one and the {@code check} command read one environment for four services; the variables
 * that must differ between them are given per service, prefixed with the first word of its name:
 * {@code ORDER_HTTP_PORT}, {@code COUPON_DB_URL}, {@code POINTS_DB_USER}, {@code NOTIFICATION_DB_PASSWORD},
 * {@code POINTS_CONSUMER_MAX_RECORDS_PER_SECOND}.
 * A service whose {@code <PREFIX>_DB_URL} is not set uses its own database on the stack's PostgreSQL.
 */
final class PerServiceEnv {

    /** Variables one value of which cannot serve four services. */
    private static final List<String> PER_SERVICE = List.of("HTTP_PORT", "DB_URL");

    private PerServiceEnv() {
    }

    /** {@code ORDER} for order-service, {@code NOTIFICATION} for notification-service. */
    static String prefix(String service) {
        int dash = service.indexOf('-');
        return (dash < 0 ? service : service.substring(0, dash)).toUpperCase(Locale.ROOT);
    }

    /** Fails with what to set instead when {@code env} sets a variable that would give four services one value. */
    static void rejectShared(Env env) {
        for (String name : PER_SERVICE) {
            if (env.optional(name).isPresent()) {
                List<String> instead = Services.NAMES.stream().map(s -> prefix(s) + "_" + name).toList();
                throw new IllegalArgumentException(name + " is set, but the all-in-one runs four services, each with its own "
                        + (name.equals("DB_URL") ? "database" : "port") + "; set " + String.join(", ", instead) + " instead");
            }
        }
    }

    /** Whether every service's {@code <PREFIX>_DB_URL} is set: the stack's PostgreSQL serves none of them. */
    static boolean allDatabasesGiven(Env env) {
        return Services.NAMES.stream().allMatch(s -> env.optional(prefix(s) + "_DB_URL").isPresent());
    }

    /** Whether the service's {@code <PREFIX>_DB_URL} is not set, so that its database is on the stack's PostgreSQL. */
    static boolean usesLocalDatabase(Env env, String service) {
        return env.optional(prefix(service) + "_DB_URL").isEmpty();
    }

    /**
     * The service's own variables: {@code HTTP_PORT} from {@code <PREFIX>_HTTP_PORT} if set; {@code DB_URL},
     * {@code DB_USER}, {@code DB_PASSWORD} from {@code <PREFIX>_DB_*} if its URL is set, else its database
     * on the local PostgreSQL at {@code localPostgresPort}, as its own role.
     */
    static Map<String, String> of(Env env, String service, int localPostgresPort) {
        String prefix = prefix(service);
        Map<String, String> own = new HashMap<>();
        env.optional(prefix + "_HTTP_PORT").ifPresent(port -> own.put("HTTP_PORT", port));
        // A consumer cap for one service of the four, e.g. POINTS_CONSUMER_MAX_RECORDS_PER_SECOND=500 (peak shaving).
        env.optional(prefix + "_CONSUMER_MAX_RECORDS_PER_SECOND").ifPresent(v -> own.put("CONSUMER_MAX_RECORDS_PER_SECOND", v));
        if (usesLocalDatabase(env, service)) {
            String database = Services.database(service);
            own.put("DB_URL", "jdbc:postgresql://127.0.0.1:" + localPostgresPort + "/" + database);
            own.put("DB_USER", database);
            own.put("DB_PASSWORD", "");
        } else {
            for (String name : List.of("DB_URL", "DB_USER", "DB_PASSWORD")) {
                env.optional(prefix + "_" + name).ifPresent(value -> own.put(name, value));
            }
        }
        return own;
    }
}
