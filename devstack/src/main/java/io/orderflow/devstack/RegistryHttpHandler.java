package io.orderflow.devstack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The Confluent Schema Registry REST API subset used by serializers and Kafka UI, over a {@link SchemaStore}. */
final class RegistryHttpHandler implements HttpHandler {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Logger log = LoggerFactory.getLogger(RegistryHttpHandler.class);

    /** A matched request: path parameters in order, query parameters, and the body. */
    private record Call(List<String> params, Map<String, String> query, HttpExchange exchange) {
        String param(int i) {
            return params.get(i);
        }

        boolean flag(String name) {
            return Boolean.parseBoolean(query.getOrDefault(name, "false"));
        }
    }

    @FunctionalInterface
    private interface Action {
        Object handle(Call call) throws IOException;
    }

    private record Route(String method, String[] pattern, Action action) {
    }

    private final SchemaStore store;
    private final ObjectMapper json;
    private final List<Route> routes = new ArrayList<>();

    RegistryHttpHandler(SchemaStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
        route("GET", "/", c -> json.createObjectNode());
        route("GET", "/schemas/types", c -> List.of("AVRO"));
        route("GET", "/schemas", c -> versionsToJson(store.allLiveVersions()));
        route("GET", "/schemas/ids/*", c -> schemaOnly(store.schemaById(id(c.param(0)))));
        route("GET", "/schemas/ids/*/schema", c -> new RawJson(store.schemaById(id(c.param(0))).toString()));
        route("GET", "/schemas/ids/*/subjects", c -> store.usagesOf(id(c.param(0))).stream().map(SchemaStore.Version::subject).distinct().toList());
        route("GET", "/schemas/ids/*/versions", c -> store.usagesOf(id(c.param(0))).stream()
                .map(v -> Map.of("subject", v.subject(), "version", v.version())).toList());
        route("GET", "/subjects", c -> store.subjects());
        route("POST", "/subjects/*", c -> versionToJson(store.lookup(c.param(0), schemaText(c))));
        route("DELETE", "/subjects/*", c -> store.deleteSubject(c.param(0)));
        route("GET", "/subjects/*/versions", c -> store.versions(c.param(0)).stream().map(SchemaStore.Version::version).toList());
        route("POST", "/subjects/*/versions", c -> Map.of("id", store.register(c.param(0), schemaText(c))));
        route("GET", "/subjects/*/versions/*", c -> versionToJson(store.version(c.param(0), c.param(1))));
        route("DELETE", "/subjects/*/versions/*", c -> store.deleteVersion(c.param(0), c.param(1)));
        route("GET", "/subjects/*/versions/*/schema", c -> new RawJson(
                store.schemaById(store.version(c.param(0), c.param(1)).id()).toString()));
        route("GET", "/subjects/*/versions/*/referencedby", c -> {
            store.version(c.param(0), c.param(1));
            return List.of();
        });
        route("GET", "/config", c -> Map.of("compatibilityLevel", store.globalLevel().name()));
        route("PUT", "/config", c -> {
            CompatibilityLevel level = level(c);
            store.setGlobalLevel(level);
            return Map.of("compatibility", level.name());
        });
        route("GET", "/config/*", c -> {
            Optional<CompatibilityLevel> level = store.subjectLevel(c.param(0));
            if (level.isEmpty() && !c.flag("defaultToGlobal")) {
                throw new RegistryException(404, 40408, "Subject '" + c.param(0) + "' does not have subject-level compatibility configured");
            }
            return Map.of("compatibilityLevel", level.orElse(store.globalLevel()).name());
        });
        route("PUT", "/config/*", c -> {
            CompatibilityLevel level = level(c);
            store.setSubjectLevel(c.param(0), level);
            return Map.of("compatibility", level.name());
        });
        route("DELETE", "/config/*", c -> Map.of("compatibilityLevel", store.deleteSubjectLevel(c.param(0)).name()));
        route("POST", "/compatibility/subjects/*/versions/*", c -> compatibility(c, c.param(1)));
        route("POST", "/compatibility/subjects/*/versions", c -> compatibility(c, null));
        route("GET", "/mode", c -> Map.of("mode", "READWRITE"));
        route("GET", "/mode/*", c -> Map.of("mode", "READWRITE"));
    }

    private void route(String method, String pattern, Action action) {
        routes.add(new Route(method, segments(pattern), action));
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        int status = 200;
        Object body;
        try {
            body = dispatch(method, path, exchange);
        } catch (RegistryException e) {
            status = e.httpStatus();
            body = error(e.errorCode(), e.getMessage());
        } catch (JsonProcessingException e) {
            status = 400;
            body = error(400, "Unparsable JSON body: " + e.getOriginalMessage());
        } catch (RuntimeException | IOException e) {
            log.error("{} {} failed", method, path, e);
            status = 500;
            body = error(50001, "Error in the backend data store: " + e);
        }
        log.debug("{} {} -> {}", method, path, status);
        byte[] bytes = body instanceof RawJson raw ? raw.text().getBytes(StandardCharsets.UTF_8) : json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Object dispatch(String method, String rawPath, HttpExchange exchange) throws IOException {
        String[] path = segments(rawPath);
        boolean pathKnown = false;
        for (Route route : routes) {
            List<String> params = match(route.pattern(), path);
            if (params == null) {
                continue;
            }
            pathKnown = true;
            if (route.method().equals(method)) {
                return route.action().handle(new Call(params, query(exchange.getRequestURI().getRawQuery()), exchange));
            }
        }
        if (pathKnown) {
            throw new RegistryException(405, 405, "HTTP 405 Method Not Allowed");
        }
        throw new RegistryException(404, 404, "HTTP 404 Not Found: " + method + " " + rawPath);
    }

    private Object compatibility(Call call, String version) throws IOException {
        List<String> problems = store.compatibilityProblems(call.param(0), version, schemaText(call));
        ObjectNode answer = json.createObjectNode().put("is_compatible", problems.isEmpty());
        if (call.flag("verbose")) {
            ArrayNode messages = answer.putArray("messages");
            problems.forEach(messages::add);
        }
        return answer;
    }

    private String schemaText(Call call) throws IOException {
        JsonNode body = readBody(call.exchange());
        String type = body.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new RegistryException(422, 42201, "Invalid schema: schema type " + type + " is not supported, only AVRO");
        }
        if (body.path("references").size() > 0) {
            throw new RegistryException(422, 42201, "Invalid schema: schema references are not supported");
        }
        JsonNode schema = body.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw RegistryException.invalidSchema("the body has no \"schema\" string");
        }
        return schema.asText();
    }

    private CompatibilityLevel level(Call call) throws IOException {
        String name = readBody(call.exchange()).path("compatibility").asText(null);
        try {
            return CompatibilityLevel.parse(name);
        } catch (IllegalArgumentException e) {
            throw RegistryException.invalidCompatibility(name);
        }
    }

    private JsonNode readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readAllBytes();
            JsonNode node = bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new RegistryException(400, 400, "The request body must be a JSON object");
            }
            return node;
        }
    }

    private Map<String, Object> versionToJson(SchemaStore.Version v) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("subject", v.subject());
        out.put("version", v.version());
        out.put("id", v.id());
        out.put("schema", store.schemaById(v.id()).toString());
        return out;
    }

    private List<Map<String, Object>> versionsToJson(List<SchemaStore.Version> versions) {
        return versions.stream().map(this::versionToJson).toList();
    }

    private static Map<String, String> schemaOnly(Schema schema) {
        return Map.of("schema", schema.toString());
    }

    private static Map<String, Object> error(int code, String message) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("error_code", code);
        out.put("message", message);
        return out;
    }

    private static int id(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw RegistryException.schemaNotFound(text);
        }
    }

    /** Path segments, percent-decoded one by one ('+' stays a plus: this is a path, not a form). */
    private static String[] segments(String rawPath) {
        return Arrays.stream(rawPath.split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8)).toArray(String[]::new);
    }

    private static List<String> match(String[] pattern, String[] path) {
        if (pattern.length != path.length) {
            return null;
        }
        List<String> params = new ArrayList<>();
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i].equals("*")) {
                params.add(path[i]);
            } else if (!pattern[i].equals(path[i])) {
                return null;
            }
        }
        return params;
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                query.put(name, eq < 0 ? "true" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return query;
    }

    /** A body that already is JSON text (a raw schema). */
    private record RawJson(String text) {
    }
}
