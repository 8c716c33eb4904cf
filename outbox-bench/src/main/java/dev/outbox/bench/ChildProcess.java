package dev.outbox.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A contender's JVM plus a sampler that keeps, every 200 ms, its CPU ticks and peak RSS from /proc, and the CPU
 * ticks of every PostgreSQL backend serving it (walsender or client backend on its database, the driver's own
 * connections excluded). Without a monitor connection (the saga scenario's sandbox, which runs its own servers)
 * it keeps instead the CPU ticks of every process descended from the child (the sandbox's relays, its
 * PostgreSQL server and backends), each process's last reading, so processes that ended still count.
 */
final class ChildProcess implements AutoCloseable {

    private final Process process;
    private final Thread sampler;
    private final Connection monitor;
    private final String database;
    private final AtomicLong childTicks = new AtomicLong();
    private final AtomicLong peakRssKb = new AtomicLong();
    private final Map<Long, Long> backendTicks = new ConcurrentHashMap<>();
    private final Map<Long, Long> descendantTicks = new ConcurrentHashMap<>();
    private final java.util.function.Consumer<String> lineListener;
    private final java.util.Set<Long> extraRoots = ConcurrentHashMap.newKeySet();
    private final AtomicReference<String> result = new AtomicReference<>();
    private final CountDownLatch resultLatch = new CountDownLatch(1);
    private volatile boolean sampling = true;
    /** Per thread name, the highest reading seen: threads that ended before the last sample still count. */
    private final Map<String, Long> threadTicks = new ConcurrentHashMap<>();

    ChildProcess(List<String> command, Map<String, String> environment, Path log, Connection monitor,
            String database) {
        this(command, environment, log, monitor, database, line -> { });
    }

    /**
     * @param monitor      null: sample the child's descendant processes instead of PostgreSQL backends
     * @param lineListener called with every line the child prints, on the thread copying its output
     */
    ChildProcess(List<String> command, Map<String, String> environment, Path log, Connection monitor,
            String database, java.util.function.Consumer<String> lineListener) {
        this.monitor = monitor;
        this.lineListener = lineListener;
        this.database = database;
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + command, e);
        }
        Thread output = new Thread(() -> copyOutput(log), "child-output");
        output.setDaemon(true);
        output.start();
        sampler = new Thread(this::sampleLoop, "child-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void copyOutput(Path log) {
        try (BufferedReader reader = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineListener.accept(line);
                if (line.startsWith("RESULT ")) {
                    result.set(line);
                    resultLatch.countDown();
                }
                out.write(line);
                out.write('\n');
            }
        } catch (IOException ignored) {
            // The child was killed mid-line.
        }
        resultLatch.countDown();
    }

    private void sampleLoop() {
        while (sampling) {
            sampleOnce();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    synchronized void sampleOnce() {
        long pid = process.pid();
        ProcStats.cpuTicks(pid).ifPresent(t -> childTicks.accumulateAndGet(t, Math::max));
        ProcStats.peakRssKb(pid).ifPresent(kb -> peakRssKb.accumulateAndGet(kb, Math::max));
        ProcStats.threadTicks(pid).forEach((name, ticks) -> threadTicks.merge(name, ticks, Math::max));
        if (monitor == null) {
            ProcessHandle.of(pid).ifPresent(handle -> handle.descendants().forEach(d -> sampleDescendant(d.pid())));
            for (long root : extraRoots) {
                sampleDescendant(root);
                ProcessHandle.of(root).ifPresent(handle -> handle.descendants()
                        .forEach(d -> sampleDescendant(d.pid())));
            }
            return;
        }
        try (PreparedStatement query = monitor.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE datname = ? AND backend_type IN ('client backend', "
                        + "'walsender') AND coalesce(application_name, '') NOT LIKE 'bench-driver%'")) {
            query.setString(1, database);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    long backend = rows.getLong(1);
                    ProcStats.cpuTicks(backend).ifPresent(t -> backendTicks.merge(backend, t, Math::max));
                }
            }
        } catch (SQLException e) {
            // A failed sample only loses resolution; the next one reads the same monotonic counters.
        }
    }

    /**
     * Dumps the child's flight recording while it still runs (a killed JVM writes nothing), then writes the
     * JDK's "hot-methods" view of it beside the file.
     */
    void dumpFlightRecording(Path file) {
        String bin = Path.of(System.getProperty("java.home"), "bin").toString();
        try {
            Process dump = new ProcessBuilder(bin + "/jcmd", Long.toString(process.pid()), "JFR.dump",
                    "filename=" + file.toAbsolutePath()).redirectErrorStream(true).start();
            dump.getInputStream().readAllBytes();
            dump.waitFor(60, TimeUnit.SECONDS);
            Path view = Path.of(file.toString().replace(".jfr", "-hot-methods.txt"));
            Process jfr = new ProcessBuilder(bin + "/jfr", "view", "--width", "160", "hot-methods",
                    file.toAbsolutePath().toString()).redirectErrorStream(true).redirectOutput(view.toFile()).start();
            jfr.waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException("could not dump the flight recording of " + process.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The child's RESULT line, waiting up to {@code seconds}; null if it exited or timed out without one. */
    String awaitResult(long seconds) throws InterruptedException {
        resultLatch.await(seconds, TimeUnit.SECONDS);
        return result.get();
    }

    double childCpuSeconds() {
        return childTicks.get() / ProcStats.TICKS_PER_SECOND;
    }

    double backendCpuSeconds() {
        return backendTicks.values().stream().mapToLong(Long::longValue).sum() / ProcStats.TICKS_PER_SECOND;
    }

    private void sampleDescendant(long pid) {
        ProcStats.cpuTicks(pid).ifPresent(t -> descendantTicks.merge(pid, t, Math::max));
    }

    /**
     * Also samples this process and its descendants as the child's own: a server the child started that
     * detached from it (PostgreSQL's postmaster is started by pg_ctl, whose exit re-parents it).
     */
    void adopt(long pid) {
        extraRoots.add(pid);
    }

    /** CPU of the child's descendant processes (only sampled without a monitor connection). */
    double descendantCpuSeconds() {
        return descendantTicks.values().stream().mapToLong(Long::longValue).sum() / ProcStats.TICKS_PER_SECOND;
    }

    /** Waits up to {@code seconds} for the child to exit on its own; its exit code, or -1 if it still runs. */
    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            return -1;
        }
        return process.exitValue();
    }

    /**
     * Asks the child to stop (SIGTERM, so its shutdown hooks run: the sandbox stops its relays and PostgreSQL,
     * which a SIGKILL would leave running) and waits up to {@code seconds}; {@link #close()} kills what is left.
     */
    void terminate(long seconds) throws InterruptedException {
        process.destroy();
        process.waitFor(seconds, TimeUnit.SECONDS);
    }

    double peakRssMb() {
        return peakRssKb.get() / 1024.0;
    }

    /** The busiest threads of the child (numbers after - or # folded to N), as "name cpu-seconds" entries. */
    String hottestThreads(int limit) {
        StringBuilder out = new StringBuilder();
        threadTicks.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(limit)
                .forEach(e -> out.append(String.format("%s %.2f s; ", e.getKey(),
                        e.getValue() / ProcStats.TICKS_PER_SECOND)));
        return out.toString();
    }

    /** Takes a last sample while the child still runs, then kills it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            sampleOnce();
        }
        sampling = false;
        sampler.interrupt();
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
            sampler.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
