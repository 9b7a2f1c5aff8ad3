package io.orderflow.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The HTTP plumbing against hostile clients, on a real server over loopback sockets. */
class HttpApiTest {

    private static final String TOKEN = "test-admin-token-0123456789";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpApi api;
    private static int port;
    private static final AtomicInteger posted = new AtomicInteger();
    private static volatile CountDownLatch releaseWaiters = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        // Few ordinary workers on purpose: slow clients and waiting requests must not need them.
        api = new HttpApi("test", "127.0.0.1", 0, HttpLimits.defaults().withThreads(8)
                .withTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(2)));
        api.get("/health", req -> Response.ok(Map.of("status", "UP")));
        api.get("/items/{id}", req -> Response.ok(Map.of("id", req.pathParam("id"))));
        api.post("/items", req -> {
            req.json();
            posted.incrementAndGet();
            return Response.json(201, Map.of("bytes", req.body().length));
        });
        api.post("/admin", AdminToken.of(Optional.of(TOKEN)), req -> {
            posted.incrementAndGet();
            return Response.ok(Map.of("done", true));
        });
        api.post("/admin-off", AdminToken.of(Optional.empty()), req -> {
            posted.incrementAndGet();
            return Response.ok(Map.of("done", true));
        });
        api.get("/wait", req -> Response.deferred(() -> {
            releaseWaiters.await(30, TimeUnit.SECONDS);
            return Response.ok(Map.of("waited", true));
        }));
        api.get("/events", req -> Response.stream("text/event-stream", out -> {
            for (int i = 0; i < 600; i++) {
                out.write(("data: " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(50);
            }
        }));
        api.start();
        port = api.port();
    }

    @AfterAll
    static void stop() {
        releaseWaiters.countDown();
        api.close();
    }

    @BeforeEach
    void reset() {
        posted.set(0);
    }

    // ---- routing ---------------------------------------------------------------------------------

    @Test
    void anUnknownPathIs404Problem() throws Exception {
        HttpResponse<String> r = get("/nothing/here");
        assertProblem(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body(), 404);
    }

    @Test
    void aWrongMethodIs405WithAllow() throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/items/1")).DELETE());
        assertProblem(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body(), 405);
        assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");

        HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/health"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void headAnswersWhereGetDoesWithoutABody() throws Exception {
        RawHttp.Reply head = RawHttp.exchange(port, "HEAD /items/abc HTTP/1.1\r\nHost: x\r\nConnection: close", null);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Type")).isEqualTo("application/json");
        assertThat(head.body()).isEmpty();
    }

    @Test
    void aPathIsDecodedAsAPathSoPlusStaysPlus() throws Exception {
        assertThat(get("/items/a+b").body()).isEqualTo("{\"id\":\"a+b\"}");
        assertThat(get("/items/a%20b%2Bc").body()).isEqualTo("{\"id\":\"a b+c\"}");
    }

    @Test
    void anEncodedSlashOrBadEncodingInThePathIs400Problem() throws Exception {
        RawHttp.Reply slash = RawHttp.exchange(port, "GET /items/a%2Fb HTTP/1.1\r\nHost: x\r\nConnection: close", null);
        assertProblem(slash.status(), slash.header("Content-Type"), slash.body(), 400);
        RawHttp.Reply bad = RawHttp.exchange(port, "GET /items/a%zz HTTP/1.1\r\nHost: x\r\nConnection: close", null);
        assertProblem(bad.status(), bad.header("Content-Type"), bad.body(), 400);
    }

    // ---- content type and size -------------------------------------------------------------------

    @Test
    void aBodyThatIsNotDeclaredJsonIs415AndNeverHandled() throws Exception {
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "application/json; charset=iso-8859-1"}) {
            RawHttp.Reply r = RawHttp.exchange(port, "POST /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Content-Type: " + type + "\r\nContent-Length: 2", "{}".getBytes(StandardCharsets.UTF_8));
            assertProblem(r.status(), r.header("Content-Type"), r.body(), 415);
            assertThat(r.body()).contains("\"field\":\"Content-Type\"");
        }
        RawHttp.Reply none = RawHttp.exchange(port, "POST /items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Length: 2", "{}".getBytes(StandardCharsets.UTF_8));
        assertProblem(none.status(), none.header("Content-Type"), none.body(), 415);
        assertThat(posted).hasValue(0);
        assertThat(post("/items", "application/vnd.orderflow+json; charset=UTF-8", "{}").statusCode()).isEqualTo(201);
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeTheBodyIsSent() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            // Only the headers: the server must answer without waiting for 2 MiB that never come.
            http.send("POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2097152", null);
            RawHttp.Reply r = http.read();
            assertProblem(r.status(), r.header("Content-Type"), r.body(), 413);
            assertThat(r.body()).contains("\"field\":\"body\"").contains("65536");
            assertThat(http.closedByServer()).as("connection closed after 413").isTrue();
        }
        assertThat(posted).hasValue(0);
    }

    @Test
    void aChunkedBodyIsCutAt413AsSoonAsItPassesTheLimit() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", null);
            byte[] chunk = ("2000\r\n" + "x".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < 9; i++) { // 72 KiB, past the 64 KiB limit, and no last chunk
                    http.sendBytes(chunk);
                }
            } catch (IOException e) {
                // the server may close before we are done sending: that is the point
            }
            RawHttp.Reply r = http.read();
            assertProblem(r.status(), r.header("Content-Type"), r.body(), 413);
        }
        assertThat(posted).hasValue(0);
    }

    @Test
    void headersOverTheLimitAre431Problem() throws Exception {
        RawHttp.Reply r = RawHttp.exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: "
                + "a".repeat(20_000), null);
        assertProblem(r.status(), r.header("Content-Type"), r.body(), 431);
        assertThat(r.body()).doesNotContain("aaaa");
    }

    @Test
    void aBodyTrickledSlowerThanTheBodyTimeoutIs408() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100",
                    "{\"a\":".getBytes(StandardCharsets.UTF_8));
            long start = System.nanoTime();
            RawHttp.Reply r = http.read();
            assertProblem(r.status(), r.header("Content-Type"), r.body(), 408);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
        assertThat(posted).hasValue(0);
    }

    // ---- admin guard -----------------------------------------------------------------------------

    @Test
    void anAdminEndpointNeedsTheBearerTokenBeforeItReadsTheBody() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /admin HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000", null);
            RawHttp.Reply r = http.read();
            assertProblem(r.status(), r.header("Content-Type"), r.body(), 401);
            assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
        }
        HttpResponse<String> wrong = post("/admin", "application/json", "{}", "Authorization", "Bearer not-the-token");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValue("Bearer error=\"invalid_token\"");
        assertThat(posted).hasValue(0);

        assertThat(post("/admin", "application/json", "{}", "Authorization", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        assertThat(posted).hasValue(1);
    }

    @Test
    void anAdminEndpointWithNoTokenConfiguredIsOff() throws Exception {
        HttpResponse<String> r = post("/admin-off", "application/json", "{}", "Authorization", "Bearer anything-at-all-here");
        assertProblem(r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body(), 403);
        assertThat(posted).hasValue(0);
    }

    // ---- slow clients and waiting requests ---------------------------------------------------------

    @Test
    void twoHundredSlowClientsDoNotDelayHealth() throws Exception {
        List<RawHttp> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                RawHttp http = RawHttp.connect(port);
                slow.add(http);
                if (i % 2 == 0) { // half never finish their headers, half never finish their body
                    http.sendBytes("POST /items HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                } else {
                    http.send("POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000",
                            "{".getBytes(StandardCharsets.US_ASCII));
                }
            }
            List<Long> millis = healthLatencies(7);
            System.out.printf("GET /health with 200 slow connections open: %s ms (median %d ms)%n", millis, median(millis));
            assertThat(median(millis)).as("median /health latency (ms) of %s", millis).isLessThanOrEqualTo(1000);
            assertThat(post("/items", "application/json", "{}").statusCode()).isEqualTo(201);
        } finally {
            for (RawHttp http : slow) {
                http.close();
            }
        }
    }

    @Test
    void waitingRequestsRunOnTheirOwnPoolWithALimitPerClient() throws Exception {
        releaseWaiters = new CountDownLatch(1);
        int perClient = api.limits().longRunningPerClient();
        List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < perClient + 6; i++) {
            waiting.add(HTTP.sendAsync(HttpRequest.newBuilder(uri("/wait")).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        try {
            await("the requests over the per-client limit refused").atMost(Duration.ofSeconds(30))
                    .until(() -> waiting.stream().filter(f -> f.isDone() && f.join().statusCode() == 429).count() == 6);
            HttpResponse<String> refused = waiting.stream().filter(CompletableFuture::isDone).findFirst().orElseThrow().join();
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");

            // While 64 requests wait on 8 ordinary workers' worth of server, everything else still answers.
            List<Long> millis = healthLatencies(5);
            System.out.printf("GET /health with %d long-polls waiting: %s ms%n", perClient, millis);
            assertThat(median(millis)).isLessThanOrEqualTo(1000);
            assertThat(post("/items", "application/json", "{}").statusCode()).isEqualTo(201);
        } finally {
            releaseWaiters.countDown();
        }
        for (CompletableFuture<HttpResponse<String>> f : waiting) {
            assertThat(f.get(30, TimeUnit.SECONDS).statusCode()).isIn(200, 429);
        }
        assertThat(waiting.stream().filter(f -> f.join().statusCode() == 200).count()).isEqualTo(perClient);
    }

    @Test
    void aClientLeavingAnEventStreamIsLoggedAtDebugWithoutAStackTrace() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(HttpApi.class);
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        Level before = logger.getLevel();
        logger.setLevel(Level.DEBUG);
        root.addAppender(events); // Jetty's own loggers too: no WARN with a stack trace for a client leaving
        try {
            try (RawHttp http = RawHttp.connect(port)) {
                http.send("GET /events HTTP/1.1\r\nHost: x", null);
                http.setReadTimeout(10_000);
                assertThat(http.closedByServer()).isFalse(); // reads the first byte of the stream
            }
            await("the stream noticed the client left").atMost(Duration.ofSeconds(30)).until(() -> events.list.stream()
                    .anyMatch(e -> e.getLevel() == Level.DEBUG && e.getFormattedMessage().contains("client went away")));
            assertThat(events.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.WARN));
        } finally {
            root.detachAppender(events);
            logger.setLevel(before);
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static List<Long> healthLatencies(int probes) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < probes; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri("/health")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            assertThat(r.statusCode()).isEqualTo(200);
        }
        return millis;
    }

    private static long median(List<Long> values) {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    static void assertProblem(int status, String contentType, String body, int expected) {
        assertThat(status).as("status of %s", body).isEqualTo(expected);
        assertThat(contentType).isEqualTo("application/problem+json");
        assertThat(body).contains("\"status\":" + expected);
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    private static HttpResponse<String> post(String path, String contentType, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
