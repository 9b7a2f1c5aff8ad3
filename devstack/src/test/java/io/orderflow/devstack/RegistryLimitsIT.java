package io.orderflow.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded registry's HTTP limits, answered in Confluent's error shape: it shares the all-in-one
 * JVM with the services, so a large or slow request must not take its heap or its threads.
 */
class RegistryLimitsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static DevStack stack;
    private static EmbeddedSchemaRegistry registry;

    @BeforeAll
    static void start() {
        stack = DevStack.startForTests();
        registry = EmbeddedSchemaRegistry.builder(stack.bootstrapServers()).topic("_schemas_limits_it")
                .timeouts(Duration.ofSeconds(30), Duration.ofSeconds(1)).build().start();
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aBodyDeclaredOverTheLimitIs413BeforeItIsSent() throws Exception {
        // 20 MB declared, nothing sent: the answer must not wait for (or buffer) the body.
        Reply r = raw("POST /subjects/big-value/versions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: 20000000\r\n\r\n", new byte[0]);
        assertConfluentError(r, 413, 413);
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() throws Exception {
        StringBuilder chunks = new StringBuilder();
        String piece = "x".repeat(0x8000);
        for (int i = 0; i < 40; i++) { // 1.25 MiB, past the 1 MiB limit
            chunks.append("8000\r\n").append(piece).append("\r\n");
        }
        chunks.append("0\r\n\r\n");
        Reply r = raw("POST /subjects/big-value/versions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                chunks.toString().getBytes(StandardCharsets.US_ASCII));
        assertConfluentError(r, 413, 413);
    }

    @Test
    void aSchemaOverTheLimitIs422SchemaTooLarge() throws Exception {
        String doc = "d".repeat(300_000);
        String schema = "{\"type\":\"record\",\"name\":\"Big\",\"doc\":\"" + doc + "\",\"fields\":[]}";
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects/big-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("schema", schema))))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertConfluentError(new Reply(r.statusCode(), r.body()), 422, 42209);
    }

    @Test
    void aFormOrTextBodyIs415() throws Exception {
        Reply r = raw("POST /subjects/x-value/versions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\n", "{}".getBytes(StandardCharsets.US_ASCII));
        assertConfluentError(r, 415, 415);
    }

    @Test
    void headersOverTheLimitAre431() throws Exception {
        Reply r = raw("GET /subjects HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n",
                new byte[0]);
        assertConfluentError(r, 431, 431);
    }

    @Test
    void aTrickledBodyIs408AndSlowClientsDoNotStarveTheWorkers() throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) { // far more than the 4 workers
                Socket s = connect();
                slow.add(s);
                s.getOutputStream().write(("POST /subjects/slow-value/versions HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            }
            HttpResponse<String> subjects = HTTP.send(HttpRequest.newBuilder(URI.create(registry.url() + "/subjects"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(subjects.statusCode()).isEqualTo(200);

            Reply timedOut = read(slow.get(0));
            assertConfluentError(timedOut, 408, 408);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private record Reply(int status, String body) {
    }

    private static void assertConfluentError(Reply r, int status, int errorCode) throws IOException {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("error_code").asInt()).isEqualTo(errorCode);
        assertThat(body.get("message").asText()).isNotBlank();
    }

    private static Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", registry.port()), 5_000);
        s.setSoTimeout(20_000);
        return s;
    }

    private static Reply raw(String head, byte[] body) throws IOException {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            try {
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            } catch (IOException e) {
                // the registry may answer and close before the whole body is sent
            }
            return read(s);
        }
    }

    /** Status and body of a response on a connection the server closes after it (Content-Length bodies). */
    private static Reply read(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        String headers = new String(readUntilBlankLine(in), StandardCharsets.ISO_8859_1);
        int status = Integer.parseInt(headers.split(" ")[1]);
        int length = 0;
        for (String line : headers.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return new Reply(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
    }

    private static byte[] readUntilBlankLine(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            byte[] a = b.toByteArray();
            int n = a.length;
            if (n >= 4 && a[n - 4] == '\r' && a[n - 3] == '\n' && a[n - 2] == '\r' && a[n - 1] == '\n') {
                return a;
            }
        }
        throw new IOException("connection closed before the response headers ended");
    }
}
