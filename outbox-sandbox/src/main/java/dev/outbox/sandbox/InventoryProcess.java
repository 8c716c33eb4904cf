package dev.outbox.sandbox;

import dev.outbox.sample.inventory.InventoryServiceConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The inventory service as a process of its own ({@code InventoryServiceMain} on this JVM's class path, configured
 * by {@code INVENTORY_*} variables), so that the demo can kill it with SIGKILL as an operator's {@code kill -9} would:
 * no shutdown hook runs and its Kafka consumer never leaves the group.
 */
final class InventoryProcess implements AutoCloseable {

    private final InventoryServiceConfig config;
    private final Path logFile;
    private Process process;

    InventoryProcess(InventoryServiceConfig config, Path logDirectory) {
        this.config = config;
        this.logFile = logDirectory.resolve("inventory-service.log");
    }

    /** When the process was started, and when its HTTP API first answered (its consumer starts before that). */
    record Started(Instant process, Instant healthy) {
    }

    /** Starts the JVM and waits until its HTTP API answers. */
    Started start(Duration readyTimeout) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), "dev.outbox.sample.inventory.InventoryServiceMain"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(environment());
        Instant startedAt = Instant.now();
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the inventory service", e);
        }
        awaitHealthy(readyTimeout);
        return new Started(startedAt, Instant.now());
    }

    /** SIGKILL, and waits until the process is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Linux
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("inventory service " + process.pid() + " survived SIGKILL");
        }
    }

    /** SIGTERM (the service's shutdown hook closes it cleanly), SIGKILL if it is still up after 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    Path logFile() {
        return logFile;
    }

    private Map<String, String> environment() {
        return Map.ofEntries(
                Map.entry("INVENTORY_DB_URL", config.dbUrl()),
                Map.entry("INVENTORY_DB_USER", config.dbUser()),
                Map.entry("INVENTORY_DB_PASSWORD", config.dbPassword()),
                Map.entry("INVENTORY_KAFKA_BOOTSTRAP_SERVERS", config.kafkaBootstrapServers()),
                Map.entry("INVENTORY_CONSUMER_GROUP", config.consumerGroup()),
                Map.entry("INVENTORY_CONSUMER_INSTANCE_ID", config.consumerInstanceId()),
                Map.entry("INVENTORY_ORDER_TOPIC", config.orderTopic()),
                Map.entry("INVENTORY_RESERVATION_TOPIC", config.reservationTopic()),
                Map.entry("INVENTORY_HTTP_PORT", String.valueOf(config.httpPort())),
                Map.entry("INVENTORY_HTTP_BIND_ADDRESS", "127.0.0.1"),
                Map.entry("INVENTORY_ADMIN_TOKEN", config.adminToken()),
                Map.entry("INVENTORY_MIGRATE", "false"));
    }

    private void awaitHealthy(Duration timeout) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + config.httpPort() + "/health"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (!answersHealthy(client, request)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the inventory service did not answer within " + timeout
                            + "; see " + logFile);
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the inventory service started", e);
        }
    }

    private boolean answersHealthy(HttpClient client, HttpRequest request) throws InterruptedException {
        if (!process.isAlive()) {
            throw new IllegalStateException("the inventory service exited with " + process.exitValue() + "; see "
                    + logFile);
        }
        try {
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYetListening) {
            return false; // the JVM is still starting
        }
    }
}
