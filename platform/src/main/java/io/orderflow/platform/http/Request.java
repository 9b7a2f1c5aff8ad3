package io.orderflow.platform.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Optional;

/** An HTTP request as a handler sees it: path parameters, query, headers and a JSON body. */
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
        return Optional.ofNullable(headers.get(name.toLowerCase()));
    }

    /** The body as a JSON tree; 400 problem when it is empty or not JSON. */
    public JsonNode json() {
        if (body.length == 0) {
            throw Problem.badRequest("body", "a JSON body is required");
        }
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw Problem.badRequest("body", "must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw Problem.badRequest("body", "is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw Problem.badRequest("body", "cannot be read");
        }
    }
}
