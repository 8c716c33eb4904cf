package dev.outbox.bench;

import dev.outbox.testkit.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One relay process from the shipped jar, restartable, with its HTTP port fixed across restarts; its output is
 * appended to one log file. Ready and standby are read from {@code /health/ready}, as an operator's probe would.
 */
final class HaRelay implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final List<String> javaCommand;
    private final Map<String, String> environment;
    private final Path log;
    private final int port = FreePorts.pick();
    private Process process;

    HaRelay(List<String> javaCommand, Map<String, String> environment, Path log) {
        this.javaCommand = List.copyOf(javaCommand);
        this.environment = new HashMap<>(environment);
        this.environment.put("OUTBOX_HTTP_PORT", Integer.toString(port));
        this.log = log;
    }

    HaRelay start() {
        ProcessBuilder builder = new ProcessBuilder(javaCommand).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(key -> key.startsWith("OUTBOX_"));
        builder.environment().putAll(environment);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the relay: " + javaCommand, e);
        }
        return this;
    }

    /** SIGKILL, and waits until the process is gone. */
    void killNine() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** {@code /health/ready} answers 200: streaming and Kafka available. */
    boolean ready() {
        HttpResponse<String> response = readiness();
        return response != null && response.statusCode() == 200;
    }

    /** Alive and standing by: {@code /health/ready} answers 503 with the role {@code standby}. */
    boolean standingBy() {
        HttpResponse<String> response = readiness();
        return response != null && response.statusCode() == 503 && response.body().contains("\"role\":\"standby\"");
    }

    private HttpResponse<String> readiness() {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        if (isAlive()) {
            killNine();
        }
    }
}
