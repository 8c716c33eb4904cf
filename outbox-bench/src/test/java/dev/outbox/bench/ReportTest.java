package dev.outbox.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    private static Results sampleResults() {
        Results results = new Results();
        for (int rep = 1; rep <= 3; rep++) {
            results.add("drain", "256 B x 1000", "polling", rep, "events_per_s", 1000.0 * rep);
            results.add("drain", "256 B x 1000", "debezium", rep, "events_per_s", 500.0 * rep);
            results.add("steady", "500/s @ 256 B", "polling", rep, "commit_p50_ms", 2.0 * rep);
            results.add("steady", "500/s @ 256 B", "polling", rep, "commit_p99_ms", 10.0 * rep);
        }
        results.add("idle", "after 10 s idle", "polling", 1, "latency_ms", 3.5);
        results.fail("drain 1 KB x 1000 debezium rep 2: 10 of 1000 events seen (timed out)");
        return results;
    }

    private static Report.Environment environment() {
        return new Report.Environment(Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:30:00Z"),
                "0.10 0.20 0.30", "1.00 2.00 3.00", "PostgreSQL 18", "opts", "test machine", "not measured");
    }

    @Test
    void cellsShowMedianWithMinAndMaxAndFailuresAreListed() {
        String markdown = Report.markdown(sampleResults(), environment());
        assertThat(markdown).contains("| polling | 2,000 [1,000 – 3,000] |");
        assertThat(markdown).contains("| debezium | 1,000 [500 – 1,500] |");
        assertThat(markdown).contains("| polling | 4.0 [2.0 – 6.0] | 20.0 [10.0 – 30.0] |");
        assertThat(markdown).contains("| polling | 3.5 | 1 |");
        assertThat(markdown).contains("0.10 0.20 0.30 / 1.00 2.00 3.00");
        assertThat(markdown).contains("- drain 1 KB x 1000 debezium rep 2: 10 of 1000 events seen (timed out)");
    }

    @Test
    void aMissingFigureIsADashNotAZero() {
        assertThat(Report.cell(java.util.Optional.empty(), 1)).isEqualTo("–");
    }

    @Test
    void chartsAreWrittenAsPngForDrainAndEachLatencyPercentile(@TempDir Path directory) throws Exception {
        Report.write(directory, sampleResults(), environment());
        assertThat(directory.resolve("REPORT.md")).exists();
        for (String chart : new String[] {"drain-throughput.png", "latency-p50.png", "latency-p99.png"}) {
            assertThat(ImageIO.read(directory.resolve(chart).toFile())).as(chart).isNotNull();
        }
        assertThat(Files.exists(directory.resolve("latency-p999.png"))).isFalse();
    }

    @Test
    void targetsSayByHowMuchOurRelayMissesThem() {
        Results results = new Results();
        String variant = "256 B x 100000";
        results.add("drain", variant, Contender.OUR_RELAY.label, 1, "events_per_s", 30_000);
        results.add("drain", variant, Contender.DEBEZIUM_DEFAULT.label, 1, "events_per_s", 10_000);
        results.add("drain", variant, Contender.INSERT_MULTIROW.label, 1, "events_per_s", 20_000);
        results.add("drain", variant, Contender.PGOUTPUT_DECODE.label, 1, "events_per_s", 100_000);
        results.add("drain", variant, Contender.RAW_PRODUCER.label, 1, "events_per_s", 60_000);
        results.add("steady", "1000/s @ 256 B", Contender.OUR_RELAY.label, 1, "commit_p99_ms", 50);
        String targets = Report.targets(results);
        assertThat(targets).contains("30,000 vs 10,000 events/s = 3.00× | met");
        assertThat(targets).contains("| drain ≥ 40,000 events/s | 256 B x 100000 | 30,000 events/s | missed by "
                + "10,000.00 events/s (75% of the target) |");
        assertThat(targets).contains("30,000 vs 20,000 events/s | met");
        assertThat(targets).contains("50.0 ms | missed by 30.0 ms (2.5× the target)");
        assertThat(targets).contains("| 256 B x 100000 | 30,000 | 100,000 | 60,000 | 50% |");
    }

    @Test
    void withoutOurRelayNoTargetIsClaimed() {
        assertThat(Report.targets(sampleResults())).contains("Our relay was not measured in this run");
    }

    @Test
    void storedResultsRenderTheSameReport(@TempDir Path directory) throws Exception {
        Results results = sampleResults();
        results.hotThreads("polling, drain 256 B x 1000", "java 1.00 s; ");
        Files.writeString(directory.resolve("samples.csv"), results.csv());
        Files.writeString(directory.resolve("failures.txt"), String.join("\n", results.failures()) + "\n");
        Files.writeString(directory.resolve("hot-threads.tsv"), "polling, drain 256 B x 1000\tjava 1.00 s; \n");
        environment().store(directory.resolve("environment.properties"));
        assertThat(Report.markdown(Results.load(directory),
                Report.Environment.load(directory.resolve("environment.properties"))))
                .isEqualTo(Report.markdown(results, environment()));
    }

    private static Results sagaResults() {
        Results results = new Results();
        String sandbox = Report.SAGA_CONTENDER;
        for (int rep = 1; rep <= 2; rep++) {
            for (int rate : new int[] {400, 100}) {
                String variant = SagaSection.variant(rate, SagaSection.WARM);
                results.add("saga", variant, sandbox, rep, "offered_rate", rate);
                results.add("saga", variant, sandbox, rep, "orders", rate * 20);
                results.add("saga", variant, sandbox, rep, "sagas_per_s", rate == 100 ? 97 + rep : 250 + rep);
                results.add("saga", variant, sandbox, rep, "p50_ms", rate == 100 ? 40 : 800);
                results.add("saga", variant, sandbox, rep, "p99_ms", rate == 100 ? 150 + rep : 2_000);
                results.add("saga", variant, sandbox, rep, "max_ms", rate == 100 ? 300 : 4_000);
                results.add("saga", variant, sandbox, rep, "cpu_s_per_1000_jvm", 12.5);
                results.add("saga", variant, sandbox, rep, "cpu_s_per_1000_others", rate == 100 ? 3.25 : 1.25);
                results.add("saga", variant, sandbox, rep, "peak_rss_mb", 900);
                results.add("saga", variant, sandbox, rep, "timed_out", 0);
                results.add("saga", variant, sandbox, rep, "invariants_pass", rate == 400 && rep == 2 ? 0 : 1);
            }
        }
        String cold = SagaSection.variant(100, SagaSection.COLD);
        results.add("saga", cold, sandbox, 1, "offered_rate", 100);
        results.add("saga", cold, sandbox, 1, "sagas_per_s", 60);
        results.add("saga", cold, sandbox, 1, "p50_ms", 2_000);
        results.add("saga", cold, sandbox, 1, "p99_ms", 5_000);
        results.add("saga", cold, sandbox, 1, "invariants_pass", 1);
        return results;
    }

    @Test
    void sagaTableShowsEachOfferedRateAndStartInAscendingOrderWithTheKnees() {
        String markdown = Report.markdown(sagaResults(), environment());

        assertThat(markdown).contains("| 100 | warm | 2,000 [2,000 – 2,000] | 98.5 [98.0 – 99.0] | 40.0 [40.0 – 40.0] | "
                + "151.5 [151.0 – 152.0] | 300.0 [300.0 – 300.0] | 12.50 [12.50 – 12.50] | 3.25 [3.25 – 3.25] | "
                + "900 [900 – 900] | 0 [0 – 0] | PASS |");
        assertThat(markdown).contains("| 400 | warm | 8,000 [8,000 – 8,000] | 251.5 [251.0 – 252.0] |");
        assertThat(markdown).contains("| 100 | cold | – | 60.0 | 2,000.0 | 5,000.0 | – |");
        assertThat(markdown).contains("| FAIL in 1 of 2 |");
        assertThat(markdown.indexOf("| 100 | cold |")).isLessThan(markdown.indexOf("| 100 | warm |"));
        assertThat(markdown.indexOf("| 100 | warm |")).isLessThan(markdown.indexOf("| 400 | warm |"));
        assertThat(markdown).contains("**Knee, warm start: 100 orders/s offered** (98.5 sagas/s completed, "
                + "p99 151.5 ms)");
        assertThat(markdown).contains("**Knee, cold start: none**");
    }

    @Test
    void sagaTargetsAreCheckedAgainstTheWarmRuns() {
        String markdown = Report.markdown(sagaResults(), environment());

        assertThat(markdown).contains("| ≥ 300 completed sagas/s, every invariant held | 98.5 sagas/s (at 100 "
                + "orders/s offered) | missed by 201.50 sagas/s (33% of the target) |");
        assertThat(markdown).contains("| p99 ≤ 250 ms at 100 orders/s | 151.5 ms | met |");
        assertThat(markdown).contains("| p50 ≤ 30 ms at 20 orders/s | not measured at 20 orders/s warm | "
                + "not measured |");
        assertThat(markdown).contains("| ≤ 6 ms of CPU per saga, all processes | 13.75 ms (lowest of the warm "
                + "rates, at 400 orders/s offered) | missed by 7.8 ms (2.3× the target) |");
    }

    @Test
    void sagaCpuIsBrokenDownByPartOfTheSystemPerOfferedRate() {
        Results results = sagaResults();
        String variant = SagaSection.variant(100, SagaSection.WARM);
        for (int rep = 1; rep <= 2; rep++) {
            results.add(Report.SAGA, variant, Report.SAGA_CONTENDER, rep, Report.CPU_PART_PREFIX + "jvm:broker", 4.0);
            results.add(Report.SAGA, variant, Report.SAGA_CONTENDER, rep, Report.CPU_PART_PREFIX + "postgresql",
                    6.0 * rep);
        }

        String markdown = Report.markdown(results, environment());

        assertThat(markdown).contains("| offered orders/s, start | jvm:broker | postgresql |");
        assertThat(markdown).contains("| 100, warm | 4.00 [4.00 – 4.00] | 9.00 [6.00 – 12.00] |");
        assertThat(SagaSection.cpuPartsTable(new Results())).isEmpty();
    }

    @Test
    void cpuPerPartIsTheDifferenceOfEachThreadOrProcessNeverNegative() {
        Map<String, ProcStats.PartCounter> start = Map.of(
                "tid:1", new ProcStats.PartCounter("jvm:broker", 10),
                "tid:2", new ProcStats.PartCounter("jvm:load-generator", 7), // a warm-up client thread that ends
                "pid:9", new ProcStats.PartCounter("postgresql", 3));
        Map<String, ProcStats.PartCounter> end = Map.of(
                "tid:1", new ProcStats.PartCounter("jvm:broker", 12.5),
                "tid:3", new ProcStats.PartCounter("jvm:load-generator", 0.5), // started within the window
                "pid:9", new ProcStats.PartCounter("postgresql", 4),
                "pid:10", new ProcStats.PartCounter("postgresql", 1));

        assertThat(ProcStats.partDifferences(start, end)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "jvm:broker", 2.5, "jvm:load-generator", 0.5, "postgresql", 2.0));
    }

    @Test
    void restartRunsAreReportedApartWithTheResumeTarget() {
        Results results = sagaResults();
        String variant = SagaSection.restartVariant(20);
        for (int rep = 1; rep <= 2; rep++) {
            results.add(Report.RESTART, variant, Report.SAGA_CONTENDER, rep, "orders", 400);
            results.add(Report.RESTART, variant, Report.SAGA_CONTENDER, rep, "resume_after_process_start_ms",
                    2_000 + 1_000 * rep);
            results.add(Report.RESTART, variant, Report.SAGA_CONTENDER, rep, "resume_after_healthy_ms", 400);
            results.add(Report.RESTART, variant, Report.SAGA_CONTENDER, rep, "timed_out", 0);
            results.add(Report.RESTART, variant, Report.SAGA_CONTENDER, rep, "invariants_pass", 1);
        }

        String markdown = Report.markdown(results, environment());

        assertThat(markdown).contains("## Saga: a service killed with kill -9 and restarted at once");
        assertThat(markdown).contains("| 20 | 400 [400 – 400] | 3,500 [3,000 – 4,000] | 400 [400 – 400] | "
                + "0 [0 – 0] | – | – | PASS |");
        assertThat(markdown).contains("within 5 s of the new process starting: 3,500 ms, met.");
        assertThat(markdown).doesNotContain("| 20 | warm |"); // restarts are not throughput rows
    }

    @Test
    void theSandboxJvmsThreadsAreAttributedToTheirPartByName() {
        assertThat(ProcStats.sandboxPart("data-plane-kafka-request-handler-N")).isEqualTo("broker");
        assertThat(ProcStats.sandboxPart("data-plane-kafk")).isEqualTo("broker"); // as /proc gives it: 15 chars
        assertThat(ProcStats.sandboxPart("outbox-consumer")).isEqualTo("services-consumers");
        assertThat(ProcStats.sandboxPart("outbox-consumer-order-service-worker-N")).isEqualTo("services-consumers");
        assertThat(ProcStats.sandboxPart("kafka-coordinat")).isEqualTo("services-kafka-clients");
        assertThat(ProcStats.sandboxPart("group-coordinat")).isEqualTo("broker");
        assertThat(ProcStats.sandboxPart("outbox-saga-tim")).isEqualTo("order-timeouts");
        assertThat(ProcStats.sandboxPart("java")).isEqualTo("load-generator");
        assertThat(ProcStats.sandboxPart("HttpClient-N-Worker-N")).isEqualTo("load-generator");
        assertThat(ProcStats.sandboxPart("ForkJoinPool-N-worker-N")).isEqualTo("services-http");
        assertThat(ProcStats.sandboxPart("C2 CompilerThre")).isEqualTo("jit");
        assertThat(ProcStats.sandboxPart("Signal Dispatch")).isEqualTo("other");
    }

    @Test
    void sagaTargetSaysByHowMuchItIsMissed() {
        String markdown = Report.markdown(sagaResults(), environment());

        assertThat(markdown).contains("| ≥ 500 sagas/s with p99 ≤ 250 ms | saga | 98.5 sagas/s with p99 151.5 ms "
                + "(at 100 orders/s offered) | missed by 401.50 sagas/s (20% of the target) |");
    }

    @Test
    void noKneeAndNoTargetWhenEveryRateIsTooSlow() {
        List<SagaSummary.RatePoint> points = List.of(new SagaSummary.RatePoint(50, 49, 400, true));

        assertThat(SagaSection.kneeLine("", points)).startsWith("**Knee: none**");
        assertThat(SagaSection.issue6Target(points)).contains("p99 above 250 ms at every rate (400.0 ms at 50 orders/s "
                + "offered) | missed: p99 over by 150.0 ms even at the lowest rate |");
        assertThat(SagaSection.issue6Target(List.of())).contains("not measured");
    }

    @Test
    void sagaChartsAreWritten(@TempDir Path directory) throws Exception {
        Report.write(directory, sagaResults(), environment());

        for (String chart : new String[] {"saga-throughput.png", "saga-latency.png"}) {
            assertThat(ImageIO.read(directory.resolve(chart).toFile())).as(chart).isNotNull();
        }
    }
}
