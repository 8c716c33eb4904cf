package dev.outbox.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/** The markdown report of {@link RelayFootprint}: one table of figures, one of ratios to the stock pipeline. */
final class FootprintReport {

    private FootprintReport() {
    }

    /** What the run was: the relay's JVM options, the load average around it, its length and sizes. */
    record Run(String relayJvmOptions, String loadBefore, String loadAfter, double seconds, long backlog,
            int idleSeconds) {
    }

    static String markdown(List<FootprintFigures> figures, Run run) {
        StringBuilder out = new StringBuilder();
        out.append("# Relay footprint: our relay and the stock Debezium outbox pipeline, side by side\n\n");
        out.append(String.format(Locale.ROOT, "%d CPUs, %d MiB of heap limit for this driver, JDK %s. "
                + "Load average before: %s; after: %s. The run took %.0f s.%n%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                Runtime.version(), run.loadBefore(), run.loadAfter(), run.seconds()));
        out.append("Each phase is a fresh process on a fresh database, slot and topic (durable PostgreSQL, one broker "
                + "with Kafka's shipped JVM settings). Relay JVM options with `java -jar`: `")
                .append(run.relayJvmOptions()).append("`; the launcher (`bin/outbox-relay`) runs with its defaults "
                + "and the cache trained by this run; the stock pipeline gets `-Xmx1g -Xms256m`, as outbox-bench "
                + "runs it. CPU is in seconds of one CPU and RSS in MB, both the process's own from /proc.\n\n");
        out.append(String.format(Locale.ROOT, "| contender | start → first event | CPU to first event | p99 at "
                + "1,000 events/s, first minute | idle CPU (%d s) | idle RSS | %,d cold drain, first → last | "
                + "launch → last | drain CPU | drain peak RSS | RSS at 5,000 events/s | p99 at 5,000 events/s |%n",
                run.idleSeconds(), run.backlog()));
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (FootprintFigures f : figures) {
            out.append(String.format(Locale.ROOT,
                    "| %s | %s ms | %s s | %s ms | %s %% | %s MB | %s events/s | %s s | %s s | %s MB | %s MB "
                            + "| %s ms |%n",
                    f.contender().label, number(f.firstEventMs(), 0), number(f.cpuToFirstEventS(), 1),
                    number(f.p99At1000Ms(), 1), number(f.idleCpuPercent(), 1), number(f.idleRssMb(), 0),
                    number(f.drainEventsPerSecond(), 0), number(f.drainFromLaunchS(), 1), number(f.drainCpuS(), 1),
                    number(f.drainPeakRssMb(), 0), number(f.rssAt5000Mb(), 0), number(f.p99At5000Ms(), 1)));
        }
        out.append(ratios(figures));
        out.append("\n## Idle CPU by thread\n\n");
        for (FootprintFigures f : figures) {
            out.append("- ").append(f.contender().label).append(": ").append(f.idleThreads())
                    .append(" (load average after it: ").append(f.loadAverage()).append(")\n");
        }
        return out.toString();
    }

    /** Each relay's figures divided by the stock pipeline's; empty when the stock pipeline did not run. */
    static String ratios(List<FootprintFigures> figures) {
        Optional<FootprintFigures> stock = figures.stream()
                .filter(f -> f.contender() == FootprintContender.STOCK_TUNED).findFirst();
        if (stock.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("\n## Against the stock pipeline (contender ÷ stock)\n\n"
                + "Drain: higher is better; every other column: lower is better.\n\n"
                + "| contender | drain | start → first event | CPU to first event | p99 at 1,000 events/s | idle CPU "
                + "| idle RSS | RSS at 5,000 events/s |\n|---|---|---|---|---|---|---|---|\n");
        for (FootprintFigures f : figures) {
            if (f.contender() == FootprintContender.STOCK_TUNED) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s |%n", f.contender().label,
                    ratio(f, stock.get(), FootprintFigures::drainEventsPerSecond),
                    ratio(f, stock.get(), FootprintFigures::firstEventMs),
                    ratio(f, stock.get(), FootprintFigures::cpuToFirstEventS),
                    ratio(f, stock.get(), FootprintFigures::p99At1000Ms),
                    ratio(f, stock.get(), FootprintFigures::idleCpuPercent),
                    ratio(f, stock.get(), FootprintFigures::idleRssMb),
                    ratio(f, stock.get(), FootprintFigures::rssAt5000Mb)));
        }
        return out.toString();
    }

    static String ratio(FootprintFigures contender, FootprintFigures stock, ToDoubleFunction<FootprintFigures> figure) {
        double ours = figure.applyAsDouble(contender);
        double theirs = figure.applyAsDouble(stock);
        if (Double.isNaN(ours) || Double.isNaN(theirs) || theirs == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.2f×", ours / theirs);
    }

    static String number(double value, int decimals) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }
}
