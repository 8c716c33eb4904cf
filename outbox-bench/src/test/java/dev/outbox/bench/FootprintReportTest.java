package dev.outbox.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FootprintReportTest {

    private static FootprintFigures figures(FootprintContender contender, double drain, double firstEventMs) {
        return new FootprintFigures(contender, firstEventMs, 2.0, 10.0, 3.0, 150, "C2 0.10 s;", drain, 9.0, 12.0,
                200, 180, 12.0, "0.50");
    }

    @Test
    void ratiosDivideEachRelaysFiguresByTheStockPipelines() {
        String report = FootprintReport.ratios(List.of(
                figures(FootprintContender.RELAY_DEBEZIUM, 24_000, 1_000),
                figures(FootprintContender.STOCK_TUNED, 12_000, 2_500)));

        assertThat(report).contains("| our relay, Debezium source (default) | 2.00× | 0.40× | 1.00× |");
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
                1, "", 1, 1, 1, 1, 1, 1, "");
        FootprintFigures stock = figures(FootprintContender.STOCK_TUNED, 12_000, 2_500);

        assertThat(FootprintReport.ratio(missing, stock, FootprintFigures::firstEventMs)).isEqualTo("–");
        assertThat(FootprintReport.number(Double.NaN, 1)).isEqualTo("–");
    }

    @Test
    void theTableHasOneRowPerContenderWithTheRunsSettings() {
        String report = FootprintReport.markdown(List.of(figures(FootprintContender.RELAY_DEBEZIUM, 24_000, 1_000),
                figures(FootprintContender.STOCK_TUNED, 12_000, 2_500)),
                new FootprintReport.Run("-Xmx128m", "0.1", "1.2", 300, 100_000, 30));

        assertThat(report).contains("`-Xmx128m`", "| our relay, Debezium source (default) | 1,000 ms | 2.0 s | 10.0 ms "
                + "| 3.0 % | 150 MB | 24,000 events/s |", "idle CPU (30 s)", "100,000 cold drain");
    }

    @Test
    void contendersAreParsedInTheOrderGiven() {
        assertThat(FootprintContender.parse("stock-tuned, debezium-aot"))
                .containsExactly(FootprintContender.STOCK_TUNED, FootprintContender.RELAY_DEBEZIUM_AOT);
    }
}
