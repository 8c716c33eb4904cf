package dev.outbox.sample.support;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A started JDK HTTP server answering every path with one handler, a virtual thread per exchange. */
public final class HttpEndpoint implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * The JDK server's limits, in seconds, unless set with {@code -D}: a client must send its whole request within
     * {@code maxReqTime}, the service answers within {@code maxRspTime}, and a kept-alive connection idle for
     * {@code idleInterval} is closed. The JDK reads them once per process, when its first server starts.
     */
    static final Map<String, String> TIMEOUT_DEFAULTS = Map.of(
            "sun.net.httpserver.maxReqTime", "30",
            "sun.net.httpserver.maxRspTime", "60",
            "sun.net.httpserver.idleInterval", "30");

    /** Binds {@code bindAddress:port} (port 0 picks a free one) and starts serving {@code handler}. */
    public static HttpEndpoint start(String bindAddress, int port, HttpHandler handler) throws IOException {
        TIMEOUT_DEFAULTS.forEach((property, seconds) -> {
            if (System.getProperty(property) == null) {
                System.setProperty(property, seconds);
            }
        });
        HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", handler);
        server.start();
        return new HttpEndpoint(server, executor);
    }

    /** The port actually bound. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}
