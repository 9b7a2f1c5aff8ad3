package io.orderflow.devstack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Confluent Schema Registry REST API subset used by serializers and Kafka UI, over a {@link SchemaStore},
 * as a Jetty handler. Limits, answered in Confluent's error shape: a body over {@code maxBodyBytes} is 413
 * (the rest is not read), a body not complete within {@code bodyTimeout} is 408, a schema longer than
 * {@code maxSchemaLength} is 422 (42209, as Confluent's "schema too large"), a body of a type the registry
 * does not read (a form, text/plain) is 415. Bodies are read without holding a worker.
 */
final class RegistryHttpHandler extends Handler.Abstract {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Logger log = LoggerFactory.getLogger(RegistryHttpHandler.class);

    /** A matched request: path parameters in order, query parameters, and the body. */
    private record Call(List<String> params, Map<String, String> query, byte[] body) {
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

    private record Match(Route route, List<String> params) {
    }

    private final SchemaStore store;
    private final ObjectMapper json;
    private final int maxBodyBytes;
    private final int maxSchemaLength;
    private final Duration bodyTimeout;
    private final List<Route> routes = new ArrayList<>();

    RegistryHttpHandler(SchemaStore store, ObjectMapper json, int maxBodyBytes, int maxSchemaLength, Duration bodyTimeout) {
        this.store = store;
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
        this.maxSchemaLength = maxSchemaLength;
        this.bodyTimeout = bodyTimeout;
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
    public boolean handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        String path = request.getHttpURI().getPath();
        Match match;
        try {
            match = match(method, path);
            if (method.equals("POST") || method.equals("PUT")) {
                checkContentType(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
                if (request.getLength() > maxBodyBytes) {
                    throw tooLarge();
                }
            }
        } catch (RegistryException e) {
            write(request, response, callback, e.httpStatus(), error(e.errorCode(), e.getMessage()));
            return true;
        }
        if (!method.equals("POST") && !method.equals("PUT")) {
            answer(request, response, callback, match, new byte[0]);
            return true;
        }
        // Jetty calls back as the body arrives: a slow client holds no worker while it sends.
        new RegistryBodyReader(request, maxBodyBytes, bodyTimeout, new RegistryBodyReader.Outcome() {
            @Override
            public void body(byte[] body) {
                answer(request, response, callback, match, body);
            }

            @Override
            public void tooLarge() {
                RegistryException e = RegistryHttpHandler.this.tooLarge();
                write(request, response, callback, e.httpStatus(), error(e.errorCode(), e.getMessage()));
            }

            @Override
            public void timedOut() {
                write(request, response, callback, 408, error(408, "HTTP 408 Request Timeout: the body did not arrive within "
                        + bodyTimeout.toMillis() + " ms"));
            }

            @Override
            public void failed(Throwable failure) {
                clientGone(request, callback, failure);
            }
        }).run();
        return true;
    }

    private void answer(Request request, Response response, Callback callback, Match match, byte[] body) {
        String method = request.getMethod();
        String path = request.getHttpURI().getPath();
        int status = 200;
        Object answer;
        try {
            answer = match.route().action().handle(new Call(match.params(), query(request.getHttpURI().getQuery()), body));
        } catch (RegistryException e) {
            status = e.httpStatus();
            answer = error(e.errorCode(), e.getMessage());
        } catch (JsonProcessingException e) {
            status = 400;
            answer = error(400, "Unparsable JSON body: " + e.getOriginalMessage());
        } catch (RuntimeException | IOException e) {
            log.error("{} {} failed", method, path, e);
            status = 500;
            answer = error(50001, "Error in the backend data store: " + e);
        }
        log.debug("{} {} -> {}", method, path, status);
        write(request, response, callback, status, answer);
    }

    private void write(Request request, Response response, Callback callback, int status, Object body) {
        byte[] bytes;
        try {
            bytes = body instanceof RawJson raw ? raw.text().getBytes(StandardCharsets.UTF_8) : json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            log.error("{} {}: cannot write the answer", request.getMethod(), request.getHttpURI().getPath(), e);
            status = 500;
            bytes = "{\"error_code\":50001,\"message\":\"Cannot write the answer\"}".getBytes(StandardCharsets.UTF_8);
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        if (status == 413 || status == 408) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close"); // the rest of the body is not read
        }
        response.write(true, ByteBuffer.wrap(bytes), Callback.from(callback::succeeded, x -> clientGone(request, callback, x)));
    }

    /** Logged at DEBUG, and handed to Jetty as "quiet" so it does not log a stack trace at WARN either. */
    private static void clientGone(Request request, Callback callback, Throwable failure) {
        log.debug("{} {}: client went away: {}", request.getMethod(), request.getHttpURI().getPath(), failure.toString());
        callback.failed(failure instanceof QuietException ? failure : new EofException(failure));
    }

    private Match match(String method, String rawPath) {
        String[] path = segments(rawPath);
        boolean pathKnown = false;
        for (Route route : routes) {
            List<String> params = match(route.pattern(), path);
            if (params == null) {
                continue;
            }
            pathKnown = true;
            if (route.method().equals(method)) {
                return new Match(route, params);
            }
        }
        if (pathKnown) {
            throw new RegistryException(405, 405, "HTTP 405 Method Not Allowed");
        }
        throw new RegistryException(404, 404, "HTTP 404 Not Found: " + method + " " + rawPath);
    }

    /** What Confluent's registry reads: its own JSON types, JSON, or no type at all; not forms or text. */
    private static void checkContentType(String contentType) {
        if (contentType == null) {
            return;
        }
        String type = contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (!type.equals("application/json") && !type.equals("application/octet-stream")
                && !(type.startsWith("application/vnd.schemaregistry") && type.endsWith("+json"))) {
            throw new RegistryException(415, 415, "HTTP 415 Unsupported Media Type");
        }
    }

    private RegistryException tooLarge() {
        return new RegistryException(413, 413, "HTTP 413 Payload Too Large: the body must be at most " + maxBodyBytes + " bytes");
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
        JsonNode body = readBody(call.body());
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
        if (schema.asText().length() > maxSchemaLength) {
            throw new RegistryException(422, 42209, "Schema too large: " + schema.asText().length()
                    + " characters, at most " + maxSchemaLength);
        }
        return schema.asText();
    }

    private CompatibilityLevel level(Call call) throws IOException {
        String name = readBody(call.body()).path("compatibility").asText(null);
        try {
            return CompatibilityLevel.parse(name);
        } catch (IllegalArgumentException e) {
            throw RegistryException.invalidCompatibility(name);
        }
    }

    private JsonNode readBody(byte[] bytes) throws IOException {
        JsonNode node = bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
        if (node == null || !node.isObject()) {
            throw new RegistryException(400, 400, "The request body must be a JSON object");
        }
        return node;
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
