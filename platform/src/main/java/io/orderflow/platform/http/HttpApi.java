package io.orderflow.platform.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A small JSON HTTP server: routes with {@code {param}} path templates, JSON bodies, RFC 9457
 * problem responses, and nothing else to learn. Underneath is Jetty (core, no servlets), for what
 * a server exposed to anyone needs: bounded header size, idle timeouts, a connection limit, a
 * bounded worker pool, and bodies read without holding a thread. The limits are {@link HttpLimits}:
 *
 * <ul>
 *   <li>a body over the limit: 413, the rest never read; a POST that is not JSON: 415;</li>
 *   <li>unknown path: 404; wrong method: 405 with {@code Allow}; HEAD works wherever GET does;</li>
 *   <li>long-polls and event streams ({@link Response#deferred}, {@link Response#stream}) wait on a
 *       pool of their own, with a limit per client, so {@code /health} always has a worker.</li>
 * </ul>
 */
public final class HttpApi implements AutoCloseable {

    private final String name;
    private final String host;
    private final int requestedPort;
    private final HttpLimits limits;
    private final Router router = new Router();
    private Server server;
    private ServerConnector connector;
    private LongRunningPool longRunning;
    private MeterRegistry metrics;
    /** One timer per (method, path segment, status), found without the registry's builder and lookup per request. */
    private final java.util.concurrent.ConcurrentMap<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    public HttpApi(String name, String host, int port, HttpLimits limits) {
        this.name = name;
        this.host = host;
        this.requestedPort = port;
        this.limits = limits;
    }

    public HttpApi get(String template, Handler handler) {
        return route("GET", template, null, handler);
    }

    public HttpApi post(String template, Handler handler) {
        return route("POST", template, null, handler);
    }

    /** A POST whose {@code guard} (e.g. {@link AdminToken}) admits the request before its body is read. */
    public HttpApi post(String template, Guard guard, Handler handler) {
        return route("POST", template, guard, handler);
    }

    public HttpApi route(String method, String template, Handler handler) {
        return route(method, template, null, handler);
    }

    public HttpApi route(String method, String template, Guard guard, Handler handler) {
        router.add(method, template, guard, handler);
        return this;
    }

    /** Times every request into {@code http.server.requests} (method, first path segment, status; a histogram). Before {@link #start}. */
    public HttpApi metrics(MeterRegistry registry) {
        this.metrics = registry;
        return this;
    }

    public HttpLimits limits() {
        return limits;
    }

    public void start() throws Exception {
        longRunning = new LongRunningPool(name, limits.longRunningThreads(), limits.longRunningPerClient());
        // Jetty's acceptor and selector run on this pool too: a few threads more than the workers.
        QueuedThreadPool threads = new QueuedThreadPool(limits.threads() + 4, Math.min(8, limits.threads() + 4));
        threads.setName(name + "-http");
        threads.setDaemon(true);
        server = new Server(threads);

        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(requestedPort);
        connector.setIdleTimeout(limits.idleTimeout().toMillis());
        connector.setAcceptQueueSize(1024);
        // Without it every response waits ~40 ms for the client's delayed ACK (Nagle). Jetty's
        // default already; said here because the p99 of POST /orders depends on it.
        connector.setAcceptedTcpNoDelay(true);
        server.addConnector(connector);
        server.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
        server.setErrorHandler(new ProblemErrorHandler());
        server.setHandler(new org.eclipse.jetty.server.Handler.Abstract() {
            @Override
            public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
                                  Callback callback) {
                new Exchange(request, response, metrics == null ? callback : timed(request, response, callback))
                        .dispatch(router, limits, longRunning);
                return true;
            }
        });
        try {
            server.start();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    /** Records the request's time when its response is complete (or failed); the path's first segment keeps the tags few. */
    private Callback timed(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, Callback callback) {
        long start = System.nanoTime();
        return new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                record();
                super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
                record();
                super.failed(x);
            }

            private void record() {
                String path = request.getHttpURI().getPath();
                int second = path == null ? -1 : path.indexOf('/', 1);
                String uri = path == null || path.isEmpty() ? "/" : second < 0 ? path : path.substring(0, second);
                String method = request.getMethod();
                String tag = uri.length() > 40 ? "other" : uri;
                String status = Integer.toString(response.getStatus());
                timers.computeIfAbsent(method + ' ' + tag + ' ' + status, k -> Timer.builder("http.server.requests")
                                .description("HTTP requests, from arrival to the end of the response")
                                .tags("method", method, "uri", tag, "status", status)
                                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                                .maximumExpectedValue(Duration.ofSeconds(30)).register(metrics))
                        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        };
    }

    /** The bound port (useful when started on port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public void close() {
        if (server != null) {
            try {
                server.stop();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(HttpApi.class).warn("{} HTTP server did not stop cleanly", name, e);
            }
        }
        if (longRunning != null) {
            longRunning.close();
        }
    }
}
