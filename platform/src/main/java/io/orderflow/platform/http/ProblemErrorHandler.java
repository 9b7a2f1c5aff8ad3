package io.orderflow.platform.http;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * What Jetty itself refuses (a malformed request line, headers over the limit, an ambiguous URI)
 * is answered like everything else: {@code application/problem+json}, whatever the client accepts,
 * and without echoing the request.
 */
final class ProblemErrorHandler extends ErrorHandler {

    static final String PROBLEM_JSON = "application/problem+json";

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) throws IOException {
        byte[] bytes = body(code, request.getHttpURI().getPath());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, PROBLEM_JSON);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, PROBLEM_JSON);
        return ByteBuffer.wrap(body(status, null));
    }

    /** Jetty's own reason can quote the request (e.g. an illegal character): the standard phrase only. */
    private static byte[] body(int status, String instance) {
        String title = HttpStatus.getMessage(status);
        String detail = switch (status) {
            case 431 -> "The request headers are larger than the server accepts";
            case 414 -> "The request URI is longer than the server accepts";
            case 400 -> "The request is malformed (request line, headers or URI encoding)";
            default -> title;
        };
        Map<String, Object> body = new Problem(status, title, detail).body(instance);
        try {
            return Json.MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            return ("{\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
        }
    }
}
