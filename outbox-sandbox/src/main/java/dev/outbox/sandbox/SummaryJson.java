package dev.outbox.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's summary, machine-readable ({@code --summary-json FILE}); {@code outbox-bench}'s saga scenario reads
 * it. Field names are a contract with that reader: add fields, do not rename them.
 */
final class SummaryJson {

    static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SummaryJson() {
    }

    /** What the warm-up before the measured run came to: its orders, and its report (left out of the figures). */
    record Warmup(long ordersPlaced, SagaReport report) {
    }

    static Map<String, Object> of(SandboxArguments arguments, SagaReport report, long ordersPlaced,
            long failedRequests, Map<String, String> postgresSettings, Warmup warmup,
            Optional<InventoryRestart.Figures> restart) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("format", FORMAT);
        summary.put("offeredRate", arguments.rate());
        summary.put("ordersRequested", arguments.orders());
        summary.put("ordersPlaced", ordersPlaced);
        summary.put("failedRequests", failedRequests);
        summary.put("durable", arguments.durable());
        summary.put("disruption", arguments.disruption());
        summary.put("postgres", postgresSettings);
        summary.put("terminal", SagaReport.TERMINAL.stream()
                .mapToLong(state -> report.sagasByState().getOrDefault(state, 0L)).sum());
        putFigures(summary, report);
        summary.put("warmup", warmup == null ? null : warmupOf(warmup));
        summary.put("restart", restart.map(SummaryJson::restartOf).orElse(null));
        summary.put("invariants", report.violations().isEmpty() ? "PASS" : "FAIL");
        summary.put("violations", report.violations().stream().limit(20).toList());
        return summary;
    }

    private static Map<String, Object> warmupOf(Warmup warmup) {
        Map<String, Object> summary = new LinkedHashMap<>();
        SagaReport report = warmup.report();
        summary.put("ordersPlaced", warmup.ordersPlaced());
        putFigures(summary, report);
        return summary;
    }

    private static Map<String, Object> restartOf(InventoryRestart.Figures restart) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("afterOrders", restart.afterOrders());
        summary.put("processStartToResumeMillis", restart.sinceProcessStart().toMillis());
        summary.put("healthyToResumeMillis", restart.sinceHealthy().toMillis());
        return summary;
    }

    /** The figures the measured run and the warm-up both report. */
    private static void putFigures(Map<String, Object> summary, SagaReport report) {
        summary.put("sagasByState", report.sagasByState());
        summary.put("timedOut", report.timedOutOrders());
        summary.put("timedOutUnforced", report.timedOutUnforced());
        summary.put("p50Millis", report.p50Millis());
        summary.put("p99Millis", report.p99Millis());
        summary.put("maxMillis", report.maxMillis());
        summary.put("sagasPerSecond", report.sagasPerSecond());
        summary.put("spanSeconds", report.spanSeconds());
        summary.put("commitsPerSaga", report.commitsPerSaga());
    }

    /** The durability settings as the server reports them (not as they were asked for). */
    static Map<String, String> postgresSettings(org.jooq.DSLContext database) {
        Map<String, String> settings = new LinkedHashMap<>();
        for (String name : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
            settings.put(name, database.fetchOne("SELECT current_setting(?)", name).get(0, String.class));
        }
        return settings;
    }

    /** Written to a temporary file and moved into place, so a reader never sees half a summary. */
    static void write(Path file, SandboxArguments arguments, SagaReport report, long ordersPlaced,
            long failedRequests, Map<String, String> postgresSettings, Warmup warmup,
            Optional<InventoryRestart.Figures> restart) {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            JSON.writeValue(temporary.toFile(), of(arguments, report, ordersPlaced, failedRequests,
                    postgresSettings, warmup, restart));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the summary to " + file, e);
        }
    }
}
