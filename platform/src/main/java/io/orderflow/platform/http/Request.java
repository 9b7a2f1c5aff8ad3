package io.orderflow.platform.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP request as a handler sees it: decoded path parameters, query, headers (names in lower
 * case, first value) and the body, already read in full and within the size limit.
 */
public record Request(String method, String path, Map<String, String> pathParams, Map<String, String> query,
                      Map<String, String> headers, byte[] body) {

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    public Optional<String> queryParam(String name) {
        return Optional.ofNullable(query.get(name));
    }

    /** Header by case-insensitive name. */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(name.toLowerCase(java.util.Locale.ROOT)));
    }

    Request withBody(byte[] bytes) {
        return new Request(method, path, pathParams, query, headers, bytes);
    }

    /**
     * The body as a JSON object, read strictly ({@link Json#STRICT}): a 400 problem naming
     * {@code body} (or the field where parsing stopped) when it is empty, not UTF-8, not JSON,
     * not an object, or has duplicate keys or anything after the object.
     */
    public JsonNode json() {
        if (body.length == 0) {
            throw Problem.badRequest("body", "a JSON object is required");
        }
        String text;
        try {
            // JSON is UTF-8 (RFC 8259); a strict decoder also refuses overlong forms and encoded surrogates.
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw Problem.badRequest("body", "is not valid UTF-8");
        }
        JsonNode node;
        try {
            node = Json.STRICT.readTree(text);
        } catch (StreamConstraintsException e) {
            throw Problem.badRequest("body", "exceeds a JSON limit: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw Problem.badRequest(where(e), "is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw Problem.badRequest("body", "cannot be read");
        }
        if (node == null || node.isMissingNode() || !node.isObject()) {
            throw Problem.badRequest("body", "must be a JSON object");
        }
        return node;
    }

    /** The field the parser was in when it failed ({@code items[0].sku}), else {@code body}. */
    private static String where(JsonProcessingException e) {
        if (e.getProcessor() instanceof JsonParser parser) {
            String path = JsonFields.path(parser.getParsingContext().pathAsPointer(false).toString());
            if (!path.isEmpty()) {
                return path;
            }
        }
        return "body";
    }
}
