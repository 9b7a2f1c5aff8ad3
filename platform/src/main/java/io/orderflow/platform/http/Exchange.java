package io.orderflow.platform.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request through an {@link HttpApi}: route, guard, content type and size checks, the body read
 * without holding a thread, the handler, and the answer (a waiting answer on the long-running pool).
 * Every refusal is a problem+json; a client that goes away is logged at DEBUG, never a body.
 */
final class Exchange {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final byte[] NO_BODY = new byte[0];
    private static final String JSON_TYPES = "application/json (UTF-8)";

    private final org.eclipse.jetty.server.Request jettyRequest;
    private final org.eclipse.jetty.server.Response jettyResponse;
    private final Callback callback;
    private final String method;
    private final String path;

    Exchange(org.eclipse.jetty.server.Request jettyRequest, org.eclipse.jetty.server.Response jettyResponse,
             Callback callback) {
        this.jettyRequest = jettyRequest;
        this.jettyResponse = jettyResponse;
        this.callback = callback;
        this.method = jettyRequest.getMethod();
        this.path = jettyRequest.getHttpURI().getPath();
    }

    void dispatch(Router router, HttpLimits limits, LongRunningPool longRunning) {
        Router.Match match = router.match(method, path);
        if (!(match instanceof Router.Found found)) {
            if (match instanceof Router.WrongMethod wrong) {
                problem(Problem.methodNotAllowed(method, path, wrong.allow()));
            } else if (match instanceof Router.BadPath bad) {
                problem(Problem.badRequest("path", bad.reason()));
            } else {
                problem(Problem.notFound("No resource at " + path));
            }
            return;
        }
        Request request;
        try {
            request = new Request(method, path, found.params(), query(jettyRequest.getHttpURI().getQuery()),
                    headers(jettyRequest.getHeaders()), NO_BODY);
            if (found.route().guard() != null) {
                found.route().guard().check(request);
            }
        } catch (Problem p) {
            problem(p);
            return;
        }
        if (!found.route().readsBody()) {
            run(found.route().handler(), request, longRunning);
            return;
        }
        String contentType = jettyRequest.getHeaders().get(HttpHeader.CONTENT_TYPE);
        if (!isJson(contentType)) {
            // Also what stops a web page on another origin from posting here: a cross-site "simple"
            // request can only be text/plain or a form, and JSON needs a CORS preflight we never grant.
            problem(Problem.unsupportedMediaType(contentType, JSON_TYPES));
            return;
        }
        long declared = jettyRequest.getLength();
        if (declared > limits.maxBodyBytes()) {
            problem(Problem.payloadTooLarge(limits.maxBodyBytes()));
            return;
        }
        new BodyReader(jettyRequest, limits.maxBodyBytes(), limits.bodyTimeout(), new BodyReader.Outcome() {
            @Override
            public void body(byte[] body) {
                run(found.route().handler(), request.withBody(body), longRunning);
            }

            @Override
            public void problem(Problem problem) {
                Exchange.this.problem(problem);
            }

            @Override
            public void failed(Throwable failure) {
                clientGone(failure);
            }
        }).run();
    }

    private void run(Handler handler, Request request, LongRunningPool longRunning) {
        Response response;
        try {
            response = handler.handle(request);
        } catch (Problem p) {
            problem(p);
            return;
        } catch (Exception e) {
            internalError(e);
            return;
        }
        if (response.body() instanceof Response.Streamed || response.body() instanceof Response.Deferred) {
            try {
                longRunning.submit(org.eclipse.jetty.server.Request.getRemoteAddr(jettyRequest), () -> later(response));
            } catch (Problem p) {
                problem(p);
            }
            return;
        }
        write(response);
    }

    /** On the long-running pool: a long-poll's answer, or an event stream until it ends. */
    private void later(Response response) {
        try {
            if (response.body() instanceof Response.Deferred deferred) {
                Response answer = deferred.produce();
                if (answer.body() instanceof Response.Deferred || answer.body() instanceof Response.Streamed) {
                    throw new IllegalStateException("A deferred response must produce a plain one");
                }
                write(answer);
                return;
            }
            Response.Streamed streamed = (Response.Streamed) response.body();
            jettyResponse.setStatus(response.status());
            jettyResponse.getHeaders().put(HttpHeader.CONTENT_TYPE, response.contentType());
            response.headers().forEach(jettyResponse.getHeaders()::put);
            try (OutputStream out = Content.Sink.asOutputStream(jettyResponse)) {
                streamed.writeTo(out);
            }
            callback.succeeded();
        } catch (Problem p) {
            problem(p);
        } catch (IOException e) {
            clientGone(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e); // shutting down
        } catch (Exception e) {
            internalError(e);
        }
    }

    private void write(Response response) {
        byte[] bytes;
        try {
            bytes = response.body() == null ? NO_BODY
                    : response.body() instanceof String s && !response.contentType().contains("json")
                    ? s.getBytes(StandardCharsets.UTF_8)
                    : Json.MAPPER.writeValueAsBytes(response.body());
        } catch (IOException e) {
            internalError(e);
            return;
        }
        send(response.status(), response.contentType(), response.headers(), bytes);
    }

    private void problem(Problem p) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(p.body(path));
        } catch (IOException e) {
            bytes = ("{\"status\":" + p.status() + "}").getBytes(StandardCharsets.UTF_8);
        }
        send(p.status(), ProblemErrorHandler.PROBLEM_JSON, p.headers(), bytes);
    }

    private void internalError(Throwable e) {
        log.error("{} {} failed", method, path, e);
        problem(new Problem(500, "Internal error", "The server could not handle the request; see its log"));
    }

    private void send(int status, String contentType, Map<String, String> headers, byte[] bytes) {
        if (jettyResponse.isCommitted()) {
            callback.failed(new IllegalStateException("response already committed"));
            return;
        }
        jettyResponse.setStatus(status);
        HttpFields.Mutable h = jettyResponse.getHeaders();
        h.put(HttpHeader.CONTENT_TYPE, contentType);
        headers.forEach(h::put);
        h.put(HttpHeader.CONTENT_LENGTH, bytes.length);
        jettyResponse.write(true, ByteBuffer.wrap(bytes), Callback.from(callback::succeeded, this::clientGone));
    }

    /** Logged at DEBUG, and handed to Jetty as "quiet" so it does not log a stack trace at WARN either. */
    private void clientGone(Throwable failure) {
        log.debug("{} {}: client went away: {}", method, path, failure.toString());
        callback.failed(failure instanceof QuietException ? failure : new EofException(failure));
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String[] parts = contentType.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!type.equals("application/json") && !(type.startsWith("application/") && type.endsWith("+json"))) {
            return false;
        }
        for (int i = 1; i < parts.length; i++) {
            String[] param = parts[i].split("=", 2);
            if (param[0].trim().equalsIgnoreCase("charset")
                    && (param.length < 2 || !param[1].trim().replace("\"", "").equalsIgnoreCase("utf-8"))) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, String> headers(HttpFields fields) {
        Map<String, String> headers = new HashMap<>();
        for (HttpField f : fields) {
            headers.putIfAbsent(f.getLowerCaseName(), f.getValue() == null ? "" : f.getValue());
        }
        return headers;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        try {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                q.putIfAbsent(k, v);
            }
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest("query", "invalid percent-encoding");
        }
        return q;
    }
}
