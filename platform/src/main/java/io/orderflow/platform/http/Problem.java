package io.orderflow.platform.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem: thrown by a handler, answered as {@code application/problem+json}.
 * Validation problems name each offending field in {@code errors}.
 */
public class Problem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String title;
    private final transient List<FieldError> errors;

    public Problem(int status, String title, String detail) {
        this(status, title, detail, List.of());
    }

    public Problem(int status, String title, String detail, List<FieldError> errors) {
        super(detail);
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    public static Problem badRequest(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    public static Problem invalid(List<FieldError> errors) {
        String detail = errors.size() == 1
                ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " fields are invalid: " + String.join(", ", errors.stream().map(FieldError::field).toList());
        return new Problem(400, "Invalid request", detail, errors);
    }

    public static Problem notFound(String detail) {
        return new Problem(404, "Not found", detail);
    }

    public int status() {
        return status;
    }

    public Map<String, Object> body(String instance) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", getMessage());
        body.put("instance", instance);
        if (!errors.isEmpty()) {
            body.put("errors", errors);
        }
        return body;
    }

    /** One invalid field: {@code field} is a JSON path such as {@code items[0].quantity}. */
    public record FieldError(String field, String message) {
    }
}
