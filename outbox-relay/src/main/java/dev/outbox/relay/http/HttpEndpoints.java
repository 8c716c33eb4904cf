package dev.outbox.relay.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** {@code /health/live}, {@code /health/ready} and {@code /metrics} (Prometheus text) on the JDK's HTTP server. */
public final class HttpEndpoints implements AutoCloseable {

    private final HttpServer server;

    private HttpEndpoints(HttpServer server) {
        this.server = server;
    }

    /** Whether the relay is ready, and its role: {@code active}, or {@code standby} while another relay streams. */
    public record Readiness(boolean ready, String role) {
    }

    public static HttpEndpoints start(int port, BooleanSupplier live, Supplier<Readiness> ready,
            Supplier<String> metrics) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/health/live", exchange -> health(exchange, live.getAsBoolean()));
            server.createContext("/health/ready", exchange -> readiness(exchange, ready.get()));
            server.createContext("/metrics", exchange -> {
                if (!exchange.getRequestMethod().equals("GET")) {
                    respond(exchange, 405, "application/json", "{\"error\":\"only GET\"}");
                    return;
                }
                respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.get());
            });
            server.createContext("/", exchange -> respond(exchange, 404, "application/json",
                    "{\"error\":\"not found: try /health/live, /health/ready or /metrics\"}"));
            server.start();
            return new HttpEndpoints(server);
        } catch (IOException e) {
            throw new UncheckedIOException("OUTBOX_HTTP_PORT " + port + " cannot be bound: " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void health(HttpExchange exchange, boolean up) throws IOException {
        respond(exchange, up ? 200 : 503, "application/json", up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
    }

    /** {@code {"status":"DOWN","role":"standby"}}: a standby is not ready, it streams nothing. */
    private static void readiness(HttpExchange exchange, Readiness readiness) throws IOException {
        respond(exchange, readiness.ready() ? 200 : 503, "application/json", "{\"status\":\""
                + (readiness.ready() ? "UP" : "DOWN") + "\",\"role\":\"" + readiness.role() + "\"}");
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
