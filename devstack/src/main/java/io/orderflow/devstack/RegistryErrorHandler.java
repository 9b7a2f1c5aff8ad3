package io.orderflow.devstack;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/** What Jetty itself refuses (headers too large, a malformed request) in Confluent's error shape. */
final class RegistryErrorHandler extends ErrorHandler {

    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        byte[] bytes = body(code);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, RegistryHttpHandler.CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, RegistryHttpHandler.CONTENT_TYPE);
        return ByteBuffer.wrap(body(status));
    }

    /** The standard phrase only: Jetty's own reason may quote the request. */
    private static byte[] body(int status) {
        return ("{\"error_code\":" + status + ",\"message\":\"HTTP " + status + " " + HttpStatus.getMessage(status) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
