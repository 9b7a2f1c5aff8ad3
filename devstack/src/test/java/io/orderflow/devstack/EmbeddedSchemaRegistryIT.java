package io.orderflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EmbeddedSchemaRegistryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static final String V1 = """
            {"type":"record","name":"Order","namespace":"it","fields":[{"name":"id","type":"string"}]}""";
    /** V1 written differently: same parsed schema. */
    private static final String V1_REFORMATTED = """
            { "type" : "record", "namespace" : "it", "name" : "Order",
              "fields" : [ { "type" : "string", "name" : "id" } ] }""";
    private static final String V2_WITH_DEFAULT = """
            {"type":"record","name":"Order","namespace":"it","fields":[{"name":"id","type":"string"},
             {"name":"note","type":"string","default":""}]}""";
    private static final String V2_WITHOUT_DEFAULT = """
            {"type":"record","name":"Order","namespace":"it","fields":[{"name":"id","type":"string"},
             {"name":"amount","type":"long"}]}""";

    private static DevStack stack;

    @BeforeAll
    static void start() {
        stack = DevStack.startForTests();
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void registeringTheSameSchemaAgainReturnsTheSameIdAndNoNewVersion() throws Exception {
        int id = register(stack, "same-value", V1);
        assertThat(register(stack, "same-value", V1)).isEqualTo(id);
        assertThat(register(stack, "same-value", V1_REFORMATTED)).isEqualTo(id);
        assertThat(get(stack, "/subjects/same-value/versions").body()).hasToString("[1]");
    }

    @Test
    void theSameSchemaUnderAnotherSubjectHasTheSameGlobalId() throws Exception {
        String shared = V1.replace("\"Order\"", "\"SharedOnly\"");
        int id = register(stack, "first-value", shared);
        assertThat(register(stack, "second-value", shared)).isEqualTo(id);
        assertThat(get(stack, "/schemas/ids/" + id + "/subjects").body()).hasToString("[\"first-value\",\"second-value\"]");
        assertThat(get(stack, "/schemas/ids/" + id + "/versions").body().findValuesAsText("subject"))
                .containsExactly("first-value", "second-value");
        assertThat(texts(get(stack, "/subjects").body())).contains("first-value", "second-value");
    }

    @Test
    void schemaByIdAnswersTheParsedSchemaOr404() throws Exception {
        int id = register(stack, "byid-value", V1);
        Reply reply = get(stack, "/schemas/ids/" + id);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(new Schema.Parser().parse(reply.body().get("schema").asText())).isEqualTo(new Schema.Parser().parse(V1));

        Reply missing = get(stack, "/schemas/ids/987654");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("error_code").asInt()).isEqualTo(40403);
    }

    @Test
    void lookupFindsTheRegisteredVersionOrSaysWhatIsMissing() throws Exception {
        int id = register(stack, "lookup-value", V1);
        Reply found = post(stack, "/subjects/lookup-value", schemaBody(V1_REFORMATTED));
        assertThat(found.status()).isEqualTo(200);
        assertThat(found.body().get("subject").asText()).isEqualTo("lookup-value");
        assertThat(found.body().get("id").asInt()).isEqualTo(id);
        assertThat(found.body().get("version").asInt()).isEqualTo(1);
        assertThat(found.body().get("schema").asText()).isNotBlank();

        Reply otherSchema = post(stack, "/subjects/lookup-value", schemaBody(V2_WITH_DEFAULT));
        assertThat(otherSchema.status()).isEqualTo(404);
        assertThat(otherSchema.body().get("error_code").asInt()).isEqualTo(40403);
        Reply noSubject = post(stack, "/subjects/nobody-value", schemaBody(V1));
        assertThat(noSubject.status()).isEqualTo(404);
        assertThat(noSubject.body().get("error_code").asInt()).isEqualTo(40401);
    }

    @Test
    void aBackwardIncompatibleChangeIsRefusedWith409AndACompatibleOneBecomesVersion2() throws Exception {
        int v1 = register(stack, "evolve-value", V1);

        Reply refused = post(stack, "/subjects/evolve-value/versions", schemaBody(V2_WITHOUT_DEFAULT));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body().get("error_code").asInt()).isEqualTo(409);
        assertThat(refused.body().get("message").asText())
                .startsWith("Schema being registered is incompatible with an earlier schema for subject \"evolve-value\", details: [")
                .contains("READER_FIELD_MISSING_DEFAULT_VALUE", "amount");

        Reply check = post(stack, "/compatibility/subjects/evolve-value/versions/latest?verbose=true", schemaBody(V2_WITHOUT_DEFAULT));
        assertThat(check.body().get("is_compatible").asBoolean()).isFalse();
        assertThat(check.body().get("messages")).isNotEmpty();
        assertThat(post(stack, "/compatibility/subjects/evolve-value/versions/1", schemaBody(V2_WITH_DEFAULT))
                .body().get("is_compatible").asBoolean()).isTrue();

        int v2 = register(stack, "evolve-value", V2_WITH_DEFAULT);
        assertThat(v2).isNotEqualTo(v1);
        assertThat(get(stack, "/subjects/evolve-value/versions").body()).hasToString("[1,2]");
        JsonNode latest = get(stack, "/subjects/evolve-value/versions/latest").body();
        assertThat(latest.get("subject").asText()).isEqualTo("evolve-value");
        assertThat(latest.get("version").asInt()).isEqualTo(2);
        assertThat(latest.get("id").asInt()).isEqualTo(v2);
        assertThat(latest.has("schemaType")).isFalse();
        assertThat(get(stack, "/subjects/evolve-value/versions/-1").body().get("version").asInt()).isEqualTo(2);
        assertThat(get(stack, "/subjects/evolve-value/versions/1").body().get("id").asInt()).isEqualTo(v1);
        assertThat(new Schema.Parser().parse(get(stack, "/subjects/evolve-value/versions/1/schema").body().toString()))
                .isEqualTo(new Schema.Parser().parse(V1));
        assertThat(get(stack, "/subjects/evolve-value/versions/3").body().get("error_code").asInt()).isEqualTo(40402);
    }

    @Test
    void compatibilityIsConfiguredGloballyAndPerSubject() throws Exception {
        assertThat(get(stack, "/config").body().get("compatibilityLevel").asText()).isEqualTo("BACKWARD");

        Reply missing = get(stack, "/config/configured-value");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body().get("error_code").asInt()).isEqualTo(40408);
        assertThat(get(stack, "/config/configured-value?defaultToGlobal=true").body().get("compatibilityLevel").asText())
                .isEqualTo("BACKWARD");

        assertThat(put(stack, "/config/configured-value", "{\"compatibility\":\"NONE\"}").body().get("compatibility").asText())
                .isEqualTo("NONE");
        assertThat(get(stack, "/config/configured-value").body().get("compatibilityLevel").asText()).isEqualTo("NONE");
        register(stack, "configured-value", V1);
        assertThat(register(stack, "configured-value", V2_WITHOUT_DEFAULT)).isPositive();

        assertThat(put(stack, "/config/forward-value", "{\"compatibility\":\"FORWARD\"}").status()).isEqualTo(200);
        register(stack, "forward-value", V2_WITHOUT_DEFAULT);
        // FORWARD: the old schema must read the new one; it needs 'amount', which has no default.
        assertThat(post(stack, "/subjects/forward-value/versions", schemaBody(V1)).status()).isEqualTo(409);

        assertThat(delete(stack, "/config/configured-value").body().get("compatibilityLevel").asText()).isEqualTo("NONE");
        assertThat(get(stack, "/config/configured-value").status()).isEqualTo(404);

        assertThat(put(stack, "/config", "{\"compatibility\":\"FULL\"}").body().get("compatibility").asText()).isEqualTo("FULL");
        try {
            assertThat(get(stack, "/config").body().get("compatibilityLevel").asText()).isEqualTo("FULL");
        } finally {
            put(stack, "/config", "{\"compatibility\":\"BACKWARD\"}");
        }
        Reply invalid = put(stack, "/config", "{\"compatibility\":\"SIDEWAYS\"}");
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.body().get("error_code").asInt()).isEqualTo(42203);
    }

    @Test
    void invalidSchemasUnknownRoutesAndEncodedSubjectsAreHandledLikeConfluent() throws Exception {
        Reply invalid = post(stack, "/subjects/bad-value/versions", schemaBody("{\"type\":\"record\",\"name\":\"X\"}"));
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.body().get("error_code").asInt()).isEqualTo(42201);

        Reply unknown = get(stack, "/no/such/route");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body().get("error_code").asInt()).isEqualTo(404);
        assertThat(unknown.body().get("message").asText()).isNotBlank();

        int id = register(stack, "a/b c+d", V1);
        assertThat(texts(get(stack, "/subjects").body())).contains("a/b c+d");
        assertThat(get(stack, "/subjects/a%2Fb%20c%2Bd/versions/1").body().get("id").asInt()).isEqualTo(id);

        assertThat(get(stack, "/schemas/types").body()).hasToString("[\"AVRO\"]");
        assertThat(get(stack, "/mode").body().get("mode").asText()).isEqualTo("READWRITE");
        assertThat(get(stack, "/").body()).hasToString("{}");
        assertThat(get(stack, "/").contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    }

    @Test
    void idsVersionsAndConfigSurviveARestartOfBrokerAndRegistryOnTheSameDirectory() throws Exception {
        Path dir = Files.createTempDirectory("registry-restart-it-");
        try {
            int orderId;
            int evolvedId;
            int otherId;
            try (DevStack first = DevStack.start(dir, 0, 0, 0)) {
                orderId = register(first, "orders-value", V1);
                evolvedId = register(first, "orders-value", V2_WITH_DEFAULT);
                otherId = register(first, "other-value", V2_WITHOUT_DEFAULT);
                put(first, "/config/other-value", "{\"compatibility\":\"FULL\"}");
            }
            try (DevStack second = DevStack.start(dir, 0, 0, 0)) {
                assertThat(get(second, "/subjects/orders-value/versions").body()).hasToString("[1,2]");
                assertThat(get(second, "/subjects/orders-value/versions/1").body().get("id").asInt()).isEqualTo(orderId);
                assertThat(get(second, "/subjects/orders-value/versions/latest").body().get("id").asInt()).isEqualTo(evolvedId);
                assertThat(get(second, "/schemas/ids/" + otherId).status()).isEqualTo(200);
                assertThat(get(second, "/config/other-value").body().get("compatibilityLevel").asText()).isEqualTo("FULL");
                assertThat(register(second, "orders-value", V2_WITH_DEFAULT)).isEqualTo(evolvedId);
                int next = register(second, "fresh-value", "{\"type\":\"enum\",\"name\":\"Colour\",\"symbols\":[\"RED\"]}");
                assertThat(next).isGreaterThan(Math.max(orderId, Math.max(evolvedId, otherId)));
            }
        } finally {
            DevStack.deleteRecursively(dir);
        }
    }

    // ---- HTTP helpers ----

    private record Reply(int status, JsonNode body, String contentType) {
    }

    private static java.util.List<String> texts(JsonNode array) {
        java.util.List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static int register(DevStack stack, String subject, String schema) throws Exception {
        String path = "/subjects/" + java.net.URLEncoder.encode(subject, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20") + "/versions";
        Reply reply = post(stack, path, schemaBody(schema));
        assertThat(reply.status()).as("register %s: %s", subject, reply.body()).isEqualTo(200);
        return reply.body().get("id").asInt();
    }

    private static String schemaBody(String schema) throws IOException {
        return JSON.writeValueAsString(Map.of("schema", schema));
    }

    private static Reply get(DevStack stack, String path) throws Exception {
        return send(stack, path, HttpRequest.newBuilder().GET());
    }

    private static Reply post(DevStack stack, String path, String body) throws Exception {
        return send(stack, path, HttpRequest.newBuilder().POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static Reply put(DevStack stack, String path, String body) throws Exception {
        return send(stack, path, HttpRequest.newBuilder().PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static Reply delete(DevStack stack, String path) throws Exception {
        return send(stack, path, HttpRequest.newBuilder().DELETE());
    }

    private static Reply send(DevStack stack, String path, HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = HTTP.send(request.uri(URI.create(stack.schemaRegistryUrl() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), JSON.readTree(response.body()),
                response.headers().firstValue("Content-Type").orElse(""));
    }
}
