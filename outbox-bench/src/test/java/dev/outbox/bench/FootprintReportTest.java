package dev.outbox.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FootprintReportTest {

    private static FootprintFigures figures(FootprintContender contender, double drain, double firstEventMs) {
        return new FootprintFigures(contender, firstEventMs, 2.0, 10.0, 3.0, 150, "C2 0.10 s;", drain, 9.0, 12.0,
                200, "C2 CompilerThre 40.0 µs; the other threads 60.0 µs", 180, 12.0, 2 * drain, 15.5,
                "(drain 3, the JIT compilers 4 % of its CPU) debezium-postgr 9.5 µs; the other threads 6.0 µs", 8.0,
                "0.50");
    }

    @Test
    void ratiosDivideEachRelaysFiguresByTheStockPipelines() {
        String report = FootprintReport.ratios(List.of(
                figures(FootprintContender.RELAY_DEBEZIUM, 24_000, 1_000),
                figures(FootprintContender.STOCK_TUNED, 12_000, 2_500)));

        assertThat(report).contains("| our relay, Debezium source (default) | 2.00× | 2.00× | 0.40× | 1.00× |");
        assertThat(report).doesNotContain("| Debezium outbox (tuned), the stock pipeline |");
    }

    @Test
    void noRatiosWithoutTheStockPipeline() {
        assertThat(FootprintReport.ratios(List.of(figures(FootprintContender.RELAY_PGOUTPUT, 20_000, 900))))
                .isEmpty();
    }

    @Test
    void aMissingFigureIsADashNotANumber() {
        FootprintFigures missing = new FootprintFigures(FootprintContender.RELAY_DEBEZIUM_AOT, Double.NaN, 1, 1, 1,
                1, "", 1, 1, 1, 1, "", 1, 1, 1, 1, "", 1, "");
        FootprintFigures stock = figures(FootprintContender.STOCK_TUNED, 12_000, 2_500);

        assertThat(FootprintReport.ratio(missing, stock, FootprintFigures::firstEventMs)).isEqualTo("–");
        assertThat(FootprintReport.number(Double.NaN, 1)).isEqualTo("–");
    }

    @Test
    void theTableHasOneRowPerContenderWithTheRunsSettings() {
        String report = FootprintReport.markdown(List.of(figures(FootprintContender.RELAY_DEBEZIUM, 24_000, 1_000),
                figures(FootprintContender.STOCK_TUNED, 12_000, 2_500)),
                new FootprintReport.Run("-Xmx128m", "0.1", "1.2", 300, 100_000, 30, 85_000));

        assertThat(report).contains("`-Xmx128m`", "| our relay, Debezium source (default) | 1,000 ms | 2.0 s | 10.0 ms "
                + "| 24,000 events/s | 9.0 s | 12.0 s | 200 MB |", "idle CPU (30 s)", "100,000 cold drain", "only counts the rows at 85,000 events/s",
                "| our relay, Debezium source (default) | 48,000 events/s | 15.5 µs | 8.0 ms | 3.0 % | 150 MB "
                        + "| 12 MB | 180.0 ms |",
                "- our relay, Debezium source (default): cold: C2 CompilerThre 40.0 µs; the other threads 60.0 µs. "
                        + "Warm: (drain 3, the JIT compilers 4 % of its CPU) debezium-postgr 9.5 µs; "
                        + "the other threads 6.0 µs\n");
    }

    @Test
    void theDefaultSourcesTargetsAreJudgedAgainstTheirBounds() {
        String report = FootprintReport.targets(List.of(figures(FootprintContender.RELAY_DEBEZIUM, 24_000, 1_000),
                figures(FootprintContender.RELAY_PGOUTPUT, 50_000, 900),
                figures(FootprintContender.STOCK_TUNED, 16_000, 2_500)));

        assertThat(report).contains("| target | our relay, Debezium source (default) |\n",
                "| cold drain ≥ 2× the stock pipeline's | 1.50×, missed |",
                "| start → first event ≤ 1,000 ms | 1,000 ms, met |",
                "| p99 ≤ 20 ms at 1,000 events/s, first minute | 10.0 ms, met |",
                "| warm drain ≥ 60,000 events/s | 48,000 events/s, missed |",
                "| idle CPU ≤ 3 % of one CPU | 3.0 %, met |",
                "| RSS ≤ 256 MB at 5,000 events/s | 12.0 MB, met |");
        assertThat(report).doesNotContain("pgoutput source");
    }

    @Test
    void noTargetsWithoutADebeziumSourceRelay() {
        assertThat(FootprintReport.targets(List.of(figures(FootprintContender.RELAY_PGOUTPUT, 50_000, 900)))).isEmpty();
    }

    @Test
    void contendersAreParsedInTheOrderGiven() {
        assertThat(FootprintContender.parse("stock-tuned, debezium-aot"))
                .containsExactly(FootprintContender.STOCK_TUNED, FootprintContender.RELAY_DEBEZIUM_AOT);
    }
}
