package io.orderflow.platform.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.eclipse.jetty.util.URIUtil;

/**
 * Matches a raw request path against route templates such as {@code /orders/{orderId}}, segment by
 * segment (nothing compiled per request). Each segment is percent-decoded on its own, as a path and
 * not a form: {@code +} stays a plus. A path that matches with another method gives the methods for
 * {@code Allow}; HEAD is answered wherever GET is.
 */
final class Router {

    record Route(String method, String template, String[] segments, Guard guard, Handler handler) {
        boolean readsBody() {
            return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        }
    }

    sealed interface Match permits Found, WrongMethod, NotFound, BadPath {
    }

    record Found(Route route, Map<String, String> params) implements Match {
    }

    record WrongMethod(String allow) implements Match {
    }

    record NotFound() implements Match {
    }

    record BadPath(String reason) implements Match {
    }

    private final List<Route> routes = new ArrayList<>();

    void add(String method, String template, Guard guard, Handler handler) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("A route template starts with '/': " + template);
        }
        routes.add(new Route(method, template, template.substring(1).split("/", -1), guard, handler));
    }

    Match match(String method, String rawPath) {
        if (rawPath == null || !rawPath.startsWith("/")) {
            return new NotFound();
        }
        String[] raw = rawPath.substring(1).split("/", -1);
        String[] path = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            try {
                path[i] = raw[i].indexOf('%') < 0 ? raw[i] : URIUtil.decodePath(raw[i]);
            } catch (IllegalArgumentException e) {
                return new BadPath("invalid percent-encoding in the path");
            }
        }
        String lookup = method.equals("HEAD") ? "GET" : method;
        TreeSet<String> allowed = new TreeSet<>();
        for (Route route : routes) {
            Map<String, String> params = params(route.segments(), path);
            if (params == null) {
                continue;
            }
            if (route.method().equals(lookup)) {
                return new Found(route, params);
            }
            allowed.add(route.method());
            if (route.method().equals("GET")) {
                allowed.add("HEAD");
            }
        }
        return allowed.isEmpty() ? new NotFound() : new WrongMethod(String.join(", ", allowed));
    }

    private static Map<String, String> params(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> params = null;
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.length() > 2 && t.charAt(0) == '{' && t.charAt(t.length() - 1) == '}') {
                if (path[i].isEmpty()) {
                    return null;
                }
                if (params == null) {
                    params = new LinkedHashMap<>();
                }
                params.put(t.substring(1, t.length() - 1), path[i]);
            } else if (!t.equals(path[i])) {
                return null;
            }
        }
        return params == null ? Map.of() : params;
    }
}
