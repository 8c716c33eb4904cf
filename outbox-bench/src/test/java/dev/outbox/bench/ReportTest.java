package dev.outbox.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
}
