package dev.outbox.relay;

import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The relay as the sidecar runs it: {@code RelayMain} in its own JVM, configured by environment variables. */
final class RelayProcess implements AutoCloseable {

    private final Map<String, String> environment;
    private final List<String> jvmOptions;
    private final Path output;
    private Process process;

    RelayProcess(Map<String, String> environment) {
        this(environment, List.of());
    }

    /** With extra JVM options, such as the {@code -Doutbox.relay.fault=…} test hook of {@link FaultInjection}. */
    RelayProcess(Map<String, String> environment, List<String> jvmOptions) {
        this.environment = Map.copyOf(environment);
        this.jvmOptions = List.copyOf(jvmOptions);
        try {
            this.output = Files.createTempFile("relay-process-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The settings every test relay needs: this database and broker, relay (and slot) {@code name}, topics
     * {@code <name>.<aggregatetype>}, no HTTP port. Mutable, for the test's own additions.
     */
    static Map<String, String> environment(TestDatabase database, Kafka kafka, String name) {
        return Outboxes.relaySettings(database, kafka.bootstrapServers(), name);
    }

    RelayProcess start() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC"));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), RelayMain.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
        builder.environment().keySet().removeIf(key -> key.startsWith("OUTBOX_"));
        builder.environment().putAll(environment);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself; returns its exit code, or -1 if it did not end in time. */
    int awaitExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    void killNine() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    String output() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
