package io.orderflow.platform.config;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads configuration from environment variables, once, into typed values. It remembers every
 * name it was asked for, so a test can check that a deployment (docker-compose.yml) sets each
 * variable a service reads.
 */
public final class Env {

    private final Map<String, String> values;
    private final Set<String> keysRead = Collections.synchronizedSet(new LinkedHashSet<>());

    private Env(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    public static Env of(Map<String, String> values) {
        return new Env(values);
    }

    /** A copy of this environment with some variables set (for the launcher and tests). */
    public Env with(Map<String, String> overrides) {
        Map<String, String> merged = new java.util.HashMap<>(values);
        merged.putAll(overrides);
        return new Env(merged);
    }

    public Optional<String> optional(String name) {
        keysRead.add(name);
        String value = values.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public String string(String name, String defaultValue) {
        return optional(name).orElse(defaultValue);
    }

    public int integer(String name, int defaultValue) {
        return optional(name).map(v -> parse(name, v, Integer::parseInt)).orElse(defaultValue);
    }

    public long longValue(String name, long defaultValue) {
        return optional(name).map(v -> parse(name, v, Long::parseLong)).orElse(defaultValue);
    }

    public boolean bool(String name, boolean defaultValue) {
        return optional(name).map(v -> switch (v.toLowerCase()) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, was '" + v + "'");
        }).orElse(defaultValue);
    }

    /** A duration as ISO-8601 ({@code PT30S}) or a number with a unit: {@code 250ms}, {@code 30s}, {@code 5m}. */
    public Duration duration(String name, Duration defaultValue) {
        return optional(name).map(v -> parse(name, v, Env::parseDuration)).orElse(defaultValue);
    }

    /** Every variable name this Env was asked for so far. */
    public Set<String> keysRead() {
        synchronized (keysRead) {
            return Set.copyOf(keysRead);
        }
    }

    static Duration parseDuration(String v) {
        String s = v.trim().toLowerCase();
        if (s.startsWith("p")) {
            return Duration.parse(v.trim().toUpperCase());
        }
        if (s.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
        }
        if (s.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        if (s.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(s.substring(0, s.length() - 1)));
        }
        return Duration.ofMillis(Long.parseLong(s));
    }

    private static <T> T parse(String name, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + " has an invalid value '" + value + "'", e);
        }
    }
}
