package io.orderflow.platform.avro;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaRegistryClient} over the Confluent Schema Registry REST API (works against
 * Confluent, the devstack's embedded registry, Apicurio ccompat, Karapace). Both directions are
 * cached, so only the first call per (subject, schema) or id does I/O.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistryClient {

    private static final Logger log = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Registration(String subject, Schema schema) {
    }

    private final String baseUrl;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final Map<Registration, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();

    /** A client of the registry at {@code baseUrl} (a trailing slash is fine), 10 s per request. */
    public HttpSchemaRegistryClient(String baseUrl) {
        this(baseUrl, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    public HttpSchemaRegistryClient(String baseUrl, Duration connectTimeout, Duration requestTimeout) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
    }

    @Override
    public int register(String subject, Schema schema) {
        Registration key = new Registration(subject, schema);
        Integer cached = ids.get(key);
        if (cached != null) {
            return cached;
        }
        String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
        int id = call("POST", "/subjects/" + encode(subject) + "/versions", body).path("id").asInt(-1);
        if (id < 0) {
            throw new SchemaRegistryUnavailableException("Registry answered no id for subject " + subject, 200, -1);
        }
        schemas.putIfAbsent(id, schema);
        ids.putIfAbsent(key, id);
        log.debug("Schema {} of subject {} has id {}", schema.getFullName(), subject, id);
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemas.get(id);
        if (cached != null) {
            return cached;
        }
        String text = call("GET", "/schemas/ids/" + id, null).path("schema").asText(null);
        if (text == null) {
            throw new SchemaRegistryUnavailableException("Registry answered no schema for id " + id, 200, -1);
        }
        Schema schema = new Schema.Parser().parse(text);
        Schema previous = schemas.putIfAbsent(id, schema);
        return previous == null ? schema : previous;
    }

    private JsonNode call(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE)
                .header("Content-Type", CONTENT_TYPE)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SchemaRegistryUnavailableException(method + " " + baseUrl + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("Interrupted during " + method + " " + baseUrl + path, e);
        }
        JsonNode answer = parse(response.body());
        if (response.statusCode() / 100 != 2) {
            String message = answer == null ? response.body() : answer.path("message").asText(response.body());
            int errorCode = answer == null ? -1 : answer.path("error_code").asInt(-1);
            throw refusal(method + " " + path + " -> HTTP " + response.statusCode() + ": " + message,
                    response.statusCode(), errorCode);
        }
        if (answer == null) {
            throw new SchemaRegistryUnavailableException(method + " " + path + " answered no JSON: " + response.body(),
                    response.statusCode(), -1);
        }
        return answer;
    }

    /**
     * What a refusal means. Only the registry's own answers about a schema are final: "no such schema"
     * (40403) and "this schema is not acceptable" (409 incompatible, 422 invalid). Anything else (5xx,
     * throttling, a refused credential, a 404 without the registry's error code, i.e. a URL that is not a
     * registry) says nothing about the schema: it may pass once the environment is fixed.
     */
    static SchemaRegistryException refusal(String message, int httpStatus, int errorCode) {
        if (errorCode == 40403) {
            return new SchemaNotFoundException(message, httpStatus, errorCode);
        }
        if (httpStatus == 409 || (httpStatus == 422 && errorCode / 100 == 422)) {
            return new SchemaRejectedException(message, httpStatus, errorCode);
        }
        return new SchemaRegistryUnavailableException(message, httpStatus, errorCode);
    }

    private static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
