package dev.outbox.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The saga scenario's runs: each a fresh sandbox (the shaded jar as a child process with its own durable PostgreSQL
 * and Kafka, two relay processes and both services, {@code --no-disruption}), whose summary JSON gives the figures.
 * CPU is counted from the first measured order placed to the summary written, for the sandbox JVM (Kafka, both
 * services, the workload) and, apart, for its descendants plus the PostgreSQL server it started.
 */
final class SagaRuns {

    private static final Logger log = LoggerFactory.getLogger(SagaRuns.class);
    /** The restart run's reservation deadline: the "no order times out because of the restart" bound. */
    static final int RESTART_DEADLINE_MILLIS = 10_000;

    private final BenchOptions options;
    private final Results results;

    SagaRuns(BenchOptions options, Results results) {
        this.options = options;
        this.results = results;
    }

    /** One run at {@code rate} from a cold or a warm start. */
    void saga(int rate, String start, int rep, int runNumber) throws Exception {
        String variant = SagaSection.variant(rate, start);
        int orders = options.sagaOrders(rate);
        int warmupOrders = start.equals(SagaSection.WARM) ? SandboxJar.warmupOrders(rate) : 0;
        String name = String.format("r%03d_saga_%d_%s", runNumber, rate, start);
        Optional<Outcome> outcome = runSandbox(Report.SAGA, name, variant, rep, rate, orders, warmupOrders,
                List.of("--warmup-orders", Integer.toString(warmupOrders)));
        if (outcome.isEmpty()) {
            return;
        }
        SagaSummary summary = outcome.get().summary();
        add(Report.SAGA, variant, rep, "warmup_orders", warmupOrders);
        // The warm-up is reported apart (the CPU window starts after it, at the measured run's "Placing").
        summary.warmup().ifPresent(warm -> {
            add(Report.SAGA, variant, rep, "warmup_sagas_per_s", warm.sagasPerSecond());
            add(Report.SAGA, variant, rep, "warmup_p50_ms", warm.p50Millis());
            add(Report.SAGA, variant, rep, "warmup_p99_ms", warm.p99Millis());
            add(Report.SAGA, variant, rep, "warmup_timed_out", warm.timedOut());
        });
        recordCpu(Report.SAGA, variant, rep, outcome.get());
    }

    /**
     * One run at {@code rate} in which the inventory service, a process of its own, is killed with SIGKILL after a
     * third of the orders and started again at once ({@code --kill-inventory-after}), with a 10 s reservation
     * deadline: how soon its consumer applies events again, and whether any order timed out.
     */
    void restart(int rate, int rep, int runNumber) throws Exception {
        String variant = SagaSection.restartVariant(rate);
        int orders = options.sagaOrders(rate);
        String name = String.format("r%03d_restart_%d", runNumber, rate);
        Optional<Outcome> outcome = runSandbox(Report.RESTART, name, variant, rep, rate, orders, 0,
                List.of("--kill-inventory-after", Integer.toString(Math.max(1, orders / 3)), "--deadline-ms",
                        Integer.toString(RESTART_DEADLINE_MILLIS)));
        if (outcome.isEmpty()) {
            return;
        }
        Optional<SagaSummary.Restart> restart = outcome.get().summary().restart();
        if (restart.isEmpty()) {
            results.fail(String.format("restart %s rep %d: the sandbox reported no restart (see logs/%s.log)",
                    variant, rep, name));
            return;
        }
        add(Report.RESTART, variant, rep, "resume_after_process_start_ms", restart.get().processStartToResumeMillis());
        add(Report.RESTART, variant, rep, "resume_after_healthy_ms", restart.get().healthyToResumeMillis());
        log.info("restart {} rep {}: consumer resumed {} ms after the new process started ({} ms after it answered "
                + "HTTP), {} timed out", variant, rep, restart.get().processStartToResumeMillis(),
                restart.get().healthyToResumeMillis(), outcome.get().summary().timedOut());
    }

    /** What a finished sandbox run left: its summary, its CPU window and its process (for RSS and threads). */
    private record Outcome(SagaSummary summary, SagaCpuWindow window, ChildProcess child) {
    }

    /** Runs the sandbox and records the figures every run has; empty (a failure recorded) if it gave none. */
    private Optional<Outcome> runSandbox(String scenario, String name, String variant, int rep, int rate, int orders,
            int warmupOrders, List<String> extraArguments) throws Exception {
        Path jar = SandboxJar.path();
        if (!Files.isRegularFile(jar)) {
            results.fail(String.format("%s %s rep %d: no %s (build it: bin/with-jdk21 mvn -B -q -pl "
                    + "outbox-sandbox -am -DskipTests package)", scenario, variant, rep, jar));
            return Optional.empty();
        }
        int pgPort = SandboxJar.freePort();
        Path summaryFile = options.outputDirectory().resolve("logs/" + name + ".json").toAbsolutePath();
        Files.deleteIfExists(summaryFile);
        List<String> command = command(jar, pgPort, rate, orders, summaryFile);
        command.addAll(extraArguments);
        SagaCpuWindow window = new SagaCpuWindow(pgPort);
        try (ChildProcess child = new ChildProcess(command, Map.of(),
                options.outputDirectory().resolve("logs/" + name + ".log"), null, null, window)) {
            window.attach(child);
            long timeout = SandboxJar.timeoutSeconds(orders, warmupOrders, rate);
            int exit = child.awaitExit(timeout);
            String failure = exit < 0 ? "sandbox still running after " + timeout + " s"
                    : !Files.isRegularFile(summaryFile) ? "sandbox exited with " + exit + " and wrote no summary" : null;
            if (failure != null) {
                if (exit < 0) {
                    child.terminate(90);
                }
                results.fail(String.format("%s %s rep %d: %s (see logs/%s.log)", scenario, variant, rep, failure,
                        name));
                return Optional.empty();
            }
            SagaSummary summary = SagaSummary.parse(Files.readString(summaryFile));
            if (!summary.durableAsReported() || summary.disruption()) {
                results.fail(String.format("%s %s rep %d: the sandbox ran durable=%s (PostgreSQL: %s) "
                        + "disruption=%s, not measured", scenario, variant, rep, summary.durable(),
                        summary.postgresSettings(), summary.disruption()));
                return Optional.empty();
            }
            Outcome outcome = new Outcome(summary, window, child);
            recordSummary(scenario, variant, rep, rate, outcome);
            results.hotThreads(Report.SAGA_CONTENDER + ", " + scenario + " " + variant + " (whole run)",
                    child.hottestThreads(8));
            return Optional.of(outcome);
        }
    }

    private static List<String> command(Path jar, int pgPort, int rate, int orders, Path summaryFile) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-jar", jar.toString(), "--exit", "--durable", "--no-disruption",
                "--order-port", "0", "--inventory-port", "0", "--pg-port", Integer.toString(pgPort),
                "--rate", Integer.toString(rate), "--orders", Integer.toString(orders),
                "--summary-json", summaryFile.toString()));
        return command;
    }

    private void recordSummary(String scenario, String variant, int rep, int rate, Outcome outcome) {
        SagaSummary summary = outcome.summary();
        add(scenario, variant, rep, "offered_rate", rate);
        add(scenario, variant, rep, "orders", summary.ordersPlaced());
        add(scenario, variant, rep, "sagas_per_s", summary.sagasPerSecond());
        add(scenario, variant, rep, "p50_ms", summary.p50Millis());
        add(scenario, variant, rep, "p99_ms", summary.p99Millis());
        if (!Double.isNaN(summary.maxMillis())) {
            add(scenario, variant, rep, "max_ms", summary.maxMillis());
        }
        add(scenario, variant, rep, "timed_out", summary.timedOut());
        add(scenario, variant, rep, "failed_requests", summary.failedRequests());
        add(scenario, variant, rep, "invariants_pass", summary.invariantsPass() ? 1 : 0);
        if (!Double.isNaN(summary.commitsPerSaga())) {
            add(scenario, variant, rep, "db_commits_per_saga", summary.commitsPerSaga());
        }
        add(scenario, variant, rep, "peak_rss_mb", outcome.child().peakRssMb());
        if (!summary.invariantsPass()) {
            results.fail(String.format("%s %s rep %d: invariants FAIL: %s", scenario, variant, rep,
                    summary.violations()));
        }
    }

    private void recordCpu(String scenario, String variant, int rep, Outcome outcome) {
        SagaSummary summary = outcome.summary();
        SagaCpuWindow window = outcome.window();
        if (!window.complete()) {
            results.fail(String.format("%s %s rep %d: CPU window incomplete (no start or end line seen)", scenario,
                    variant, rep));
            return;
        }
        double thousands = Math.max(summary.terminal(), 1) / 1000.0;
        add(scenario, variant, rep, "cpu_s_per_1000_jvm", window.jvmSeconds() / thousands);
        add(scenario, variant, rep, "cpu_s_per_1000_others", window.othersSeconds() / thousands);
        window.partSeconds().forEach((part, seconds) -> add(scenario, variant, rep, Report.CPU_PART_PREFIX + part,
                seconds / thousands));
        log.info("{} {} rep {}: {} sagas/s, p50 {} ms, p99 {} ms, invariants {}, cpu {} s (JVM) + {} s "
                + "(relays, PostgreSQL){}", scenario, variant, rep, Math.round(summary.sagasPerSecond()),
                Math.round(summary.p50Millis()), Math.round(summary.p99Millis()),
                summary.invariantsPass() ? "PASS" : "FAIL", String.format("%.2f", window.jvmSeconds()),
                String.format("%.2f", window.othersSeconds()),
                window.postmaster().map(p -> ", postmaster pid " + p).orElse(", PostgreSQL not found"));
    }

    private void add(String scenario, String variant, int rep, String metric, double value) {
        results.add(scenario, variant, Report.SAGA_CONTENDER, rep, metric, value);
    }
}
