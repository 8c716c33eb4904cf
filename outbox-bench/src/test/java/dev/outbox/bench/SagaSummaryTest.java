package dev.outbox.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.bench.SagaSummary.RatePoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class SagaSummaryTest {

    /** As the sandbox's SummaryJson writes it (format 1). */
    static final String SUMMARY = """
            {
              "format" : 1,
              "offeredRate" : 50,
              "ordersRequested" : 1000,
              "ordersPlaced" : 1000,
              "failedRequests" : 2,
              "durable" : true,
              "disruption" : false,
              "postgres" : { "fsync" : "on", "synchronous_commit" : "on", "full_page_writes" : "on" },
              "sagasByState" : { "CONFIRMED" : 760, "REJECTED" : 180, "CANCELLED" : 60, "PENDING" : 0 },
              "terminal" : 1000,
              "timedOut" : 3,
              "p50Millis" : 41.5,
              "p99Millis" : 180.25,
              "maxMillis" : 412.5,
              "sagasPerSecond" : 49.2,
              "spanSeconds" : 20.3,
              "invariants" : "PASS",
              "violations" : [ ]
            }""";

    @Test
    void theSandboxSummaryIsRead() {
        SagaSummary summary = SagaSummary.parse(SUMMARY);

        assertThat(summary.offeredRate()).isEqualTo(50);
        assertThat(summary.ordersPlaced()).isEqualTo(1000);
        assertThat(summary.failedRequests()).isEqualTo(2);
        assertThat(summary.durable()).isTrue();
        assertThat(summary.disruption()).isFalse();
        assertThat(summary.sagasByState()).containsEntry("CONFIRMED", 760L).containsEntry("PENDING", 0L);
        assertThat(summary.terminal()).isEqualTo(1000);
        assertThat(summary.timedOut()).isEqualTo(3);
        assertThat(summary.p50Millis()).isEqualTo(41.5);
        assertThat(summary.p99Millis()).isEqualTo(180.25);
        assertThat(summary.maxMillis()).isEqualTo(412.5);
        assertThat(summary.sagasPerSecond()).isEqualTo(49.2);
        assertThat(summary.spanSeconds()).isEqualTo(20.3);
        assertThat(summary.invariantsPass()).isTrue();
        assertThat(summary.postgresSettings()).containsEntry("fsync", "on");
        assertThat(summary.durableAsReported()).isTrue();
        assertThat(summary.commitsPerSaga()).isNaN(); // not reported by this (older) sandbox
        assertThat(summary.warmup()).isEmpty();
    }

    @Test
    void theWarmUpAndTheCommitsPerSagaAreReadWhenTheSandboxReportsThem() {
        SagaSummary summary = SagaSummary.parse(SUMMARY.replace("\"invariants\" : \"PASS\",", """
                "commitsPerSaga" : 4.25,
                "warmup" : { "ordersPlaced" : 600, "sagasByState" : { "CONFIRMED" : 600 }, "timedOut" : 1,
                             "p50Millis" : 300.5, "p99Millis" : 900.0, "sagasPerSecond" : 19.5,
                             "spanSeconds" : 30.8, "commitsPerSaga" : 5.0 },
                "invariants" : "PASS","""));

        assertThat(summary.commitsPerSaga()).isEqualTo(4.25);
        assertThat(summary.warmup()).contains(new SagaSummary.Warmup(600, 1, 300.5, 900.0, 19.5, 5.0));
        assertThat(summary.p50Millis()).isEqualTo(41.5); // the measured run's, not the warm-up's
    }

    @Test
    void aServerWithFsyncOffIsNotDurableWhateverTheFlagSays() {
        SagaSummary summary = SagaSummary.parse(SUMMARY.replace("{ \"fsync\" : \"on\"", "{ \"fsync\" : \"off\""));

        assertThat(summary.durable()).isTrue();
        assertThat(summary.durableAsReported()).isFalse();
    }

    @Test
    void failedInvariantsCarryTheirViolations() {
        SagaSummary summary = SagaSummary.parse(SUMMARY.replace("\"PASS\"", "\"FAIL\"")
                .replace("\"violations\" : [ ]", "\"violations\" : [ \"sku SKU-1: stock not conserved\" ]"));

        assertThat(summary.invariantsPass()).isFalse();
        assertThat(summary.violations()).containsExactly("sku SKU-1: stock not conserved");
    }

    @Test
    void aBrokenSummaryNamesWhatIsWrong() {
        assertThatThrownBy(() -> SagaSummary.parse("{ not json")).hasMessageStartingWith("saga summary is not JSON");
        assertThatThrownBy(() -> SagaSummary.parse("[]")).hasMessage("saga summary is not a JSON object");
        assertThatThrownBy(() -> SagaSummary.parse(SUMMARY.replace("\"format\" : 1", "\"format\" : 2")))
                .hasMessage("saga summary has format 2, this bench reads format 1");
        assertThatThrownBy(() -> SagaSummary.parse(SUMMARY.replace("\"p99Millis\"", "\"p98Millis\"")))
                .hasMessage("saga summary has no field 'p99Millis'");
        assertThatThrownBy(() -> SagaSummary.parse(SUMMARY.replace("\"PASS\"", "\"MAYBE\"")))
                .hasMessage("saga summary: invariants must be PASS or FAIL, was MAYBE");
    }

    @Test
    void theKneeIsTheHighestRateKeepingUpWithinTheLatencyBound() {
        List<RatePoint> points = List.of(new RatePoint(50, 49, 120, true), new RatePoint(100, 95, 200, true),
                new RatePoint(200, 185, 249, true), new RatePoint(400, 300, 900, true));

        assertThat(SagaSummary.knee(points)).contains(new RatePoint(200, 185, 249, true));
    }

    @Test
    void belowNinetyPercentOfOfferedOrOverTheP99BoundOrFailedInvariantsIsNoKnee() {
        assertThat(new RatePoint(100, 89.9, 100, true).meetsKneeRule()).as("completed < 90%").isFalse();
        assertThat(new RatePoint(100, 90, 250, true).meetsKneeRule()).as("exactly on both bounds").isTrue();
        assertThat(new RatePoint(100, 99, 250.1, true).meetsKneeRule()).as("p99 over 250 ms").isFalse();
        assertThat(new RatePoint(100, 99, 100, false).meetsKneeRule()).as("invariants failed").isFalse();
        assertThat(SagaSummary.knee(List.of(new RatePoint(50, 40, 300, true)))).isEmpty();
    }

    @Test
    void theHighestQualifyingRateCountsEvenAboveOneThatMissed() {
        List<RatePoint> points = List.of(new RatePoint(50, 49, 300, true), new RatePoint(100, 98, 200, true));

        assertThat(SagaSummary.knee(points).map(RatePoint::offeredRate)).contains(100);
    }

    @Test
    void theRestartIsReadWhenTheSandboxKilledAService() {
        SagaSummary summary = SagaSummary.parse(SUMMARY.replace("\"invariants\" : \"PASS\",", """
                "restart" : { "afterOrders" : 80, "processStartToResumeMillis" : 2934, "healthyToResumeMillis" : 450 },
                "invariants" : "PASS","""));

        assertThat(summary.restart()).contains(new SagaSummary.Restart(80, 2_934, 450));
        assertThat(SagaSummary.parse(SUMMARY).restart()).isEmpty();
    }
}
