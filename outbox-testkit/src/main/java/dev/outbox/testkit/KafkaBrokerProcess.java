package dev.outbox.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka broker in its own OS process (a JVM running {@link KafkaBrokerMain} on this class path), so that a
 * test can {@link #kill()} it with SIGKILL and {@link #restart()} it on the same log directory and ports.
 */
public final class KafkaBrokerProcess implements Kafka {

    private static final Logger log = LoggerFactory.getLogger(KafkaBrokerProcess.class);

    /** Tests: a small heap and the serial collector, the least CPU on a small machine. */
    private static final List<String> LEAN_JVM = List.of("-Xmx512m", "-XX:+UseSerialGC");
    /**
     * Benchmarks: the JVM settings Kafka's own start scripts give a broker (kafka-server-start.sh, kafka-run-class.sh),
     * so latency figures do not carry the serial collector's pauses (20-40 ms every few seconds under load).
     */
    private static final List<String> AS_SHIPPED_JVM = List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent");

    private final Path logDirectory;
    private final Path outputFile;
    private final int port;
    private final int controllerPort;
    private final List<String> jvmOptions;
    private Process process;

    private KafkaBrokerProcess(Path logDirectory, int port, int controllerPort, List<String> jvmOptions) {
        this.logDirectory = logDirectory;
        this.jvmOptions = jvmOptions;
        this.outputFile = logDirectory.resolveSibling(logDirectory.getFileName() + ".out");
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Starts a broker process on free ports with a fresh temporary log directory, in a lean JVM for tests. */
    public static KafkaBrokerProcess start() {
        return start(LEAN_JVM);
    }

    /** Like {@link #start()}, in a JVM set up the way Kafka's start scripts set up a broker's: for benchmarks. */
    public static KafkaBrokerProcess startAsShipped() {
        return start(AS_SHIPPED_JVM);
    }

    private static KafkaBrokerProcess start(List<String> jvmOptions) {
        try {
            Path directory = Files.createTempDirectory("outbox-kafka-process-");
            KafkaBrokerProcess broker = new KafkaBrokerProcess(directory.resolve("log"), FreePorts.pick(),
                    FreePorts.pick(), jvmOptions);
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a Kafka broker process", e);
        }
    }

    private void launch() {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KafkaBrokerMain.class.getName(),
                logDirectory.toString(), String.valueOf(port), String.valueOf(controllerPort)));
        long started = System.nanoTime();
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.PIPE)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not launch " + java, e);
        }
        awaitReadyLine();
        log.info("Kafka broker process {} ready on {} in {} ms", process.pid(), bootstrapServers(),
                (System.nanoTime() - started) / 1_000_000);
    }

    /** Reads the child's output until its READY line; the rest is copied to a file beside the log directory. */
    private void awaitReadyLine() {
        BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(KafkaBrokerMain.READY)) {
                    Thread drain = new Thread(() -> copyTo(reader, outputFile), "kafka-process-output-" + port);
                    drain.setDaemon(true);
                    drain.start();
                    return;
                }
                seen.add(line);
                if (seen.size() > 200) {
                    seen.removeFirst();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("Kafka broker process exited before it was ready; its last output:\n"
                + String.join("\n", seen));
    }

    private static void copyTo(BufferedReader reader, Path file) {
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                out.write(line);
                out.newLine();
            }
        } catch (IOException ignored) {
            // The process was killed: its pipe closes mid-line, nothing to keep.
        }
    }

    @Override
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        KafkaAdmin.createTopic(bootstrapServers(), name, partitions, configs);
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed beyond what the broker already wrote. */
    public void kill() {
        process.destroyForcibly();
        awaitExit();
        log.info("Kafka broker process {} killed", process.pid());
    }

    /** SIGTERM: the broker shuts down cleanly. */
    public void stop() {
        process.destroy();
        awaitExit();
    }

    /** Starts the broker again on the same log directory and ports. */
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("the broker process is running; kill() or stop() it first");
        }
        launch();
    }

    private void awaitExit() {
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the broker process", e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
        Directories.deleteRecursively(logDirectory.getParent());
    }

    @Override
    public String toString() {
        return "KafkaBrokerProcess[" + bootstrapServers() + "]";
    }
}
