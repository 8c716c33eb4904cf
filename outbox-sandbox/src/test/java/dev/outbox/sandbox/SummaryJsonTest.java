package dev.outbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SummaryJsonTest {

    @Test
    void summaryCarriesWhatTheBenchmarkReads() {
        Map<String, Long> states = new LinkedHashMap<>();
        states.put("CONFIRMED", 90L);
        states.put("REJECTED", 6L);
        states.put("CANCELLED", 3L);
        states.put("PENDING", 1L);
        SagaReport report = new SagaReport(states, 2, 1, 40.5, 180.25, 312.0, 48.0, 2.06, 5.5, Map.of(), Map.of(),
                List.of("sku SKU-1: stock not conserved"));
        SandboxArguments arguments = SandboxArguments.parse("--rate", "50", "--orders", "100", "--durable",
                "--no-disruption");

        Map<String, String> postgres = Map.of("fsync", "on", "synchronous_commit", "on", "full_page_writes", "on");

        Map<String, Object> summary = SummaryJson.of(arguments, report, 100, 1, postgres, null, Optional.empty());

        assertThat(summary).containsEntry("offeredRate", 50).containsEntry("ordersRequested", 100)
                .containsEntry("ordersPlaced", 100L).containsEntry("failedRequests", 1L)
                .containsEntry("durable", true).containsEntry("disruption", false)
                .containsEntry("terminal", 99L).containsEntry("timedOut", 2L).containsEntry("timedOutUnforced", 1L)
                .containsEntry("p50Millis", 40.5).containsEntry("p99Millis", 180.25)
                .containsEntry("maxMillis", 312.0)
                .containsEntry("sagasPerSecond", 48.0).containsEntry("spanSeconds", 2.06)
                .containsEntry("commitsPerSaga", 5.5).containsEntry("warmup", null).containsEntry("restart", null)
                .containsEntry("invariants", "FAIL");
        assertThat(summary.get("sagasByState")).isEqualTo(states);
        assertThat(summary.get("postgres")).isEqualTo(postgres);
    }

    @Test
    void aWarmUpIsReportedApartFromTheMeasuredFigures() {
        Map<String, Long> measuredStates = Map.of("CONFIRMED", 100L);
        Map<String, Long> warmupStates = Map.of("CONFIRMED", 40L, "REJECTED", 10L);
        SagaReport measured = new SagaReport(measuredStates, 0, 0, 20.0, 90.0, 120.0, 99.0, 1.01, 4.0, Map.of(), Map.of(),
                List.of());
        SagaReport warm = new SagaReport(warmupStates, 1, 1, 300.0, 900.0, 1500.0, 50.0, 1.0, 9.0, Map.of(), Map.of(),
                List.of());
        SandboxArguments arguments = SandboxArguments.parse("--orders", "100", "--warmup-orders", "50");

        Map<String, Object> summary = SummaryJson.of(arguments, measured, 100, 0, Map.of(),
                new SummaryJson.Warmup(50, warm), Optional.empty());

        assertThat(summary).containsEntry("terminal", 100L).containsEntry("p50Millis", 20.0)
                .containsEntry("commitsPerSaga", 4.0);
        assertThat(summary.get("warmup")).isEqualTo(Map.of("ordersPlaced", 50L, "sagasByState", warmupStates,
                "timedOut", 1L, "timedOutUnforced", 1L, "p50Millis", 300.0, "p99Millis", 900.0, "maxMillis", 1500.0,
                "sagasPerSecond", 50.0, "spanSeconds", 1.0, "commitsPerSaga", 9.0));
    }

    @Test
    void aRestartOfTheInventoryServiceIsReportedWithItsResumeTimes() {
        SagaReport report = new SagaReport(Map.of("CONFIRMED", 10L), 0, 0, 20.0, 90.0, 120.0, 9.5, 1.05, 4.0,
                Map.of(), Map.of(), List.of());
        SandboxArguments arguments = SandboxArguments.parse("--orders", "10", "--kill-inventory-after", "4");
        Instant started = Instant.parse("2026-12-04T05:00:00Z");
        InventoryRestart.Figures restart = new InventoryRestart.Figures(4, started, started.plusMillis(3_200),
                started.plusMillis(4_150));

        Map<String, Object> summary = SummaryJson.of(arguments, report, 10, 0, Map.of(), null, Optional.of(restart));

        assertThat(summary.get("restart")).isEqualTo(Map.of("afterOrders", 4, "processStartToResumeMillis", 4_150L,
                "healthyToResumeMillis", 950L));
        assertThat(restart.render()).contains("after 4 orders").contains("4150 ms after the new process started")
                .contains("950 ms after its HTTP API answered");
    }
}
