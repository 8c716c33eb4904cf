package dev.outbox.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An outbox relay running as its own JVM, as the sidecar would in production: {@code dev.outbox.relay.RelayMain}
 * on this process's class path, configured only by {@code OUTBOX_*} environment variables. Its output goes to a
 * log file. Ready means {@code /health/ready} answers 200.
 */
final class RelayProcess implements AutoCloseable {

    static final String MAIN_CLASS = "dev.outbox.relay.RelayMain";
    /**
     * Extra JVM options for the relay processes, separated by spaces; {@code {name}} becomes the relay's name.
     * {@code bin/sandbox} passes the relays' AOT cache this way.
     */
    static final String JVM_OPTIONS_PROPERTY = "outbox.sandbox.relayJvmOptions";

    private final String name;
    private final Map<String, String> environment;
    private final Path logFile;
    private final int httpPort;
    private Process process;

    RelayProcess(String name, Map<String, String> environment, Path logDirectory, int httpPort) {
        this.name = name;
        this.environment = Map.copyOf(environment);
        this.logFile = logDirectory.resolve("relay-" + name + ".log");
        this.httpPort = httpPort;
    }

    void start(Duration readyTimeout) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC"));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(extraJvmOptions(System.getProperty(JVM_OPTIONS_PROPERTY, ""), name));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MAIN_CLASS));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(environment);
        builder.environment().put("OUTBOX_RELAY_NAME", name);
        builder.environment().put("OUTBOX_HTTP_PORT", String.valueOf(httpPort));
        try {
            Files.createDirectories(logFile.getParent());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start relay " + name, e);
        }
        awaitReady(readyTimeout);
    }

    static List<String> extraJvmOptions(String options, String relayName) {
        return options.isBlank() ? List.of()
                : List.of(options.strip().replace("{name}", relayName).split("\\s+"));
    }

    private void awaitReady(Duration timeout) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("relay " + name + " exited with code " + process.exitValue()
                        + " before it was ready; see " + logFile);
            }
            try {
                if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYetListening) {
                // The HTTP server starts a little after the JVM; poll again.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for relay " + name, e);
            }
            try {
                // Polling an HTTP endpoint of another process: there is no condition to block on here.
                TimeUnit.MILLISECONDS.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for relay " + name, e);
            }
        }
        throw new IllegalStateException("relay " + name + " not ready after " + timeout.toSeconds() + " s; see "
                + logFile);
    }

    String name() {
        return name;
    }

    int httpPort() {
        return httpPort;
    }

    Path logFile() {
        return logFile;
    }

    boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Suspends the relay (SIGSTOP) for {@code duration}, then lets it go on (SIGCONT): a stall with no restart,
     * as a long GC pause or a saturated host would cause.
     */
    void freeze(Duration duration) {
        signal("STOP");
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            signal("CONT");
        }
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling relay " + name, e);
        }
    }

    /** SIGTERM: the relay finishes its batch, flushes its position and exits. */
    void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
