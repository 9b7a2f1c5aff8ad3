package io.orderflow.platform.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An RFC 9457 problem: thrown by a handler, answered as {@code application/problem+json}.
 * Validation problems name each offending field in {@code errors}; some carry response headers
 * ({@code Allow}, {@code WWW-Authenticate}, {@code Retry-After}).
 */
public class Problem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;
    private final String title;
    private final transient List<FieldError> errors;
    private final transient Map<String, String> headers;

    public Problem(int status, String title, String detail) {
        this(status, title, detail, List.of());
    }

    public Problem(int status, String title, String detail, List<FieldError> errors) {
        this(status, title, detail, errors, Map.of());
    }

    private Problem(int status, String title, String detail, List<FieldError> errors, Map<String, String> headers) {
        super(detail, null, false, false); // an answer to a client, not a failure: no stack trace to fill
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
        this.headers = Map.copyOf(headers);
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

    /** 405 with the {@code Allow} header listing what the resource supports. */
    public static Problem methodNotAllowed(String method, String path, String allow) {
        return new Problem(405, "Method not allowed", method + " is not supported on " + path + "; allowed: " + allow)
                .withHeader("Allow", allow);
    }

    /** 413: the body is over the limit (the rest of it is not read; the connection is closed). */
    public static Problem payloadTooLarge(long limitBytes) {
        return new Problem(413, "Payload too large", "body: must be at most " + limitBytes + " bytes",
                List.of(new FieldError("body", "must be at most " + limitBytes + " bytes")))
                .withHeader("Connection", "close");
    }

    /** 415: the request body is not of a type the resource reads. */
    public static Problem unsupportedMediaType(String contentType, String expected) {
        String message = (contentType == null ? "is missing" : "'" + contentType + "' is not supported") + "; send " + expected;
        return new Problem(415, "Unsupported media type", "Content-Type: " + message,
                List.of(new FieldError("Content-Type", message)));
    }

    public Problem withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Problem(status, title, getMessage(), errors, h);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** Response headers that belong to this problem. */
    public Map<String, String> headers() {
        return headers;
    }

    public List<FieldError> errors() {
        return errors;
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

    /** One invalid field: {@code field} is a JSON path such as {@code items[0].quantity}, or a header name. */
    public record FieldError(String field, String message) {
    }
}
