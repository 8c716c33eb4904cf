package dev.outbox.sample.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HTTP listener: bound where asked, the JDK server's timeouts in force (this module's failsafe configuration
 * gives {@code sun.net.httpserver.maxReqTime} 2 seconds; the other limits take {@link HttpEndpoint}'s defaults).
 */
class HttpEndpointIT {

    static HttpEndpoint endpoint;

    @BeforeAll
    static void start() throws IOException {
        HttpApi api = new HttpApi(1024, "a-token-of-sixteen-chars")
                .route("GET", "/health", request -> HttpApi.Response.ok(Map.of("status", "UP")));
        endpoint = HttpEndpoint.start("127.0.0.1", 0, api);
    }

    @AfterAll
    static void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    @Test
    void aClientThatNeverFinishesItsRequestIsDisconnectedAfterTheRequestTimeout() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", endpoint.port())) {
            // Without the timeout the read below would wait for this socket's own 30 s and fail the test.
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: t\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            long started = System.nanoTime();
            assertThat(readUntilClosed(socket.getInputStream())).isTrue();
            assertThat((System.nanoTime() - started) / 1_000_000_000).isLessThan(25);
        }
    }

    @Test
    void limitsNotGivenOnTheCommandLineTakeTheServiceDefaults() {
        assertThat(System.getProperty("sun.net.httpserver.maxReqTime")).isEqualTo("2");
        assertThat(System.getProperty("sun.net.httpserver.maxRspTime")).isEqualTo("60");
        assertThat(System.getProperty("sun.net.httpserver.idleInterval")).isEqualTo("30");
    }

    @Test
    void aCompleteRequestIsAnsweredWithJson() {
        RawHttp.Answer answer = new RawHttp(endpoint.port()).send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.isJson()).isTrue();
    }

    /** True when the server closed the connection (end of stream or reset). */
    private static boolean readUntilClosed(InputStream in) throws IOException {
        try {
            while (in.read() >= 0) {
                // Drain whatever the server sends before closing.
            }
            return true;
        } catch (SocketException reset) {
            return true;
        }
    }
}
