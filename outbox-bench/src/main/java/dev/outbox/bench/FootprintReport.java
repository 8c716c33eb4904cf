package dev.outbox.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The markdown report of {@link RelayFootprint}: the cold figures, the warm/idle/memory ones, their ratios to the stock
 * pipeline and the default source's targets.
 */
final class FootprintReport {

    private FootprintReport() {
    }

    /** What the run was: the relay's JVM options, the load average around it, its length and sizes. */
    record Run(String relayJvmOptions, String loadBefore, String loadAfter, double seconds, long backlog,
            int idleSeconds, double decodeCeilingEventsPerSecond) {
    }

    static String markdown(List<FootprintFigures> figures, Run run) {
        StringBuilder out = new StringBuilder();
        out.append("# Relay footprint: our relay and the stock Debezium outbox pipeline, side by side\n\n");
        out.append(String.format(Locale.ROOT, "%d CPUs, %d MiB of heap limit for this driver, JDK %s. "
                + "Load average before: %s; after: %s. The run took %.0f s.%n%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                Runtime.version(), run.loadBefore(), run.loadAfter(), run.seconds()));
        out.append("The start and drain phases each run a fresh process on a fresh database, slot and topic (durable PostgreSQL, one broker "
                + "with Kafka's shipped JVM settings). Relay JVM options with `java -jar`: `")
                .append(run.relayJvmOptions()).append("`; the launcher (`bin/outbox-relay`) runs with its defaults "
                + "and the cache trained for its jar (by this run, or by an earlier one on the same jar); the stock "
                + "pipeline gets `-Xmx1g -Xms256m`, as outbox-bench runs it. CPU is in seconds of one CPU and RSS in "
                + "MB, both the process's own from /proc.\n\n");
        out.append(String.format(Locale.ROOT, "The machine's ceiling for a relay reading the slot, in this run: "
                + "PostgreSQL decodes the %,d backlog with pgoutput into a process that only counts the rows at %s "
                + "events/s (first → last, the faster of two fresh runs).%n%n", run.backlog(),
                number(run.decodeCeilingEventsPerSecond(), 0)));
        out.append(coldTable(figures, run));
        out.append(warmTable(figures, run));
        out.append(ratios(figures));
        out.append(targets(figures));
        out.append("\n## Idle CPU by thread\n\n");
        for (FootprintFigures f : figures) {
            out.append("- ").append(f.contender().label).append(": ").append(f.idleThreads())
                    .append(" (load average after it: ").append(f.loadAverage()).append(")\n");
        }
        out.append("\n## Drain CPU by thread, µs per event\n\n"
                + "Cold: the fresh process from its launch to the backlog's last event (its start, the JIT "
                + "compilers' work and the drain). Warm: the last warm drain, from the backlog written to its last "
                + "event; which drain it was and the compilers' share of its CPU.\n\n");
        for (FootprintFigures f : figures) {
            out.append("- ").append(f.contender().label).append(": cold: ").append(f.drainThreads())
                    .append(". Warm: ").append(f.warmDrainThreads()).append("\n");
        }
        return out.toString();
    }

    private static String coldTable(List<FootprintFigures> figures, Run run) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "## Cold: a fresh process%n%n"
                + "| contender | start → first event | CPU to first event | p99 at 1,000 events/s, first minute "
                + "| %,d cold drain, first → last | launch → last | drain CPU | drain peak RSS |%n"
                + "|---|---|---|---|---|---|---|---|%n", run.backlog()));
        for (FootprintFigures f : figures) {
            out.append(String.format(Locale.ROOT, "| %s | %s ms | %s s | %s ms | %s events/s | %s s | %s s | %s MB |%n",
                    f.contender().label, number(f.firstEventMs(), 0), number(f.cpuToFirstEventS(), 1),
                    number(f.p99At1000Ms(), 1), number(f.drainEventsPerSecond(), 0), number(f.drainFromLaunchS(), 1),
                    number(f.drainCpuS(), 1), number(f.drainPeakRssMb(), 0)));
        }
        return out.toString();
    }

    private static String warmTable(List<FootprintFigures> figures, Run run) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%n## Warm, idle and memory%n%n"
                + "Warm: the cold drain's process after that drain and the 5,000 events/s phase; backlogs of %,d "
                + "written while it is stopped (SIGSTOP) and drained once it goes on, until the JIT compilers use "
                + "less than 5 %% of a drain's CPU (two drains at least, eight at most; which one, below), the last "
                + "one counted; the warm p99 after a checkpoint, a vacuum of the outbox and unmeasured seconds at the "
                + "rate, as the relay's warm benchmark measures. Idle: the start phase's process, after its first minute.%n%n"
                + "| contender | warm drain, first → last | CPU per event, warm drain | p99 at 1,000 events/s, warm "
                + "| idle CPU (%d s) | idle RSS | RSS at 5,000 events/s | p99 at 5,000 events/s, after the cold "
                + "drain |%n|---|---|---|---|---|---|---|---|%n", run.backlog(), run.idleSeconds()));
        for (FootprintFigures f : figures) {
            out.append(String.format(Locale.ROOT, "| %s | %s events/s | %s µs | %s ms | %s %% | %s MB | %s MB "
                            + "| %s ms |%n",
                    f.contender().label, number(f.warmDrainEventsPerSecond(), 0),
                    number(f.warmDrainCpuMicrosPerEvent(), 1), number(f.warmP99At1000Ms(), 1),
                    number(f.idleCpuPercent(), 1), number(f.idleRssMb(), 0), number(f.rssAt5000Mb(), 0),
                    number(f.p99At5000Ms(), 1)));
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
                + "Drains: higher is better; every other column: lower is better.\n\n"
                + "| contender | cold drain | warm drain | start → first event | CPU to first event | p99 at 1,000 "
                + "events/s, first minute | p99 at 1,000 events/s, warm | idle CPU | idle RSS | RSS at 5,000 events/s "
                + "|\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (FootprintFigures f : figures) {
            if (f.contender() == FootprintContender.STOCK_TUNED) {
                continue;
            }
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    f.contender().label,
                    ratio(f, stock.get(), FootprintFigures::drainEventsPerSecond),
                    ratio(f, stock.get(), FootprintFigures::warmDrainEventsPerSecond),
                    ratio(f, stock.get(), FootprintFigures::firstEventMs),
                    ratio(f, stock.get(), FootprintFigures::cpuToFirstEventS),
                    ratio(f, stock.get(), FootprintFigures::p99At1000Ms),
                    ratio(f, stock.get(), FootprintFigures::warmP99At1000Ms),
                    ratio(f, stock.get(), FootprintFigures::idleCpuPercent),
                    ratio(f, stock.get(), FootprintFigures::idleRssMb),
                    ratio(f, stock.get(), FootprintFigures::rssAt5000Mb)));
        }
        return out.toString();
    }

    /** One of the relay's targets for its default source: met when the figure is on the right side of the bound. */
    record Target(String name, ToDoubleFunction<FootprintFigures> figure, double bound, boolean atLeast,
            String unit) {

        boolean met(double value) {
            return atLeast ? value >= bound : value <= bound;
        }
    }

    static final List<Target> TARGETS = List.of(
            new Target("start → first event ≤ 1,000 ms", FootprintFigures::firstEventMs, 1_000, false, " ms"),
            new Target("p99 ≤ 20 ms at 1,000 events/s, first minute", FootprintFigures::p99At1000Ms, 20, false, " ms"),
            new Target("warm drain ≥ 60,000 events/s", FootprintFigures::warmDrainEventsPerSecond, 60_000, true,
                    " events/s"),
            new Target("p99 ≤ 10 ms at 1,000 events/s, warm", FootprintFigures::warmP99At1000Ms, 10, false, " ms"),
            new Target("idle CPU ≤ 3 % of one CPU", FootprintFigures::idleCpuPercent, 3, false, " %"),
            new Target("RSS ≤ 256 MB at 5,000 events/s", FootprintFigures::rssAt5000Mb, 256, false, " MB"));

    /**
     * The default source's targets, for each Debezium-source contender: the cold drain against twice the stock
     * pipeline's (when it ran), then {@link #TARGETS}.
     */
    static String targets(List<FootprintFigures> figures) {
        List<FootprintFigures> debezium = figures.stream().filter(f -> f.contender() == FootprintContender.RELAY_DEBEZIUM
                || f.contender() == FootprintContender.RELAY_DEBEZIUM_AOT).toList();
        if (debezium.isEmpty()) {
            return "";
        }
        Optional<FootprintFigures> stock = figures.stream()
                .filter(f -> f.contender() == FootprintContender.STOCK_TUNED).findFirst();
        StringBuilder out = new StringBuilder("\n## Targets of the default (Debezium) source\n\n| target |");
        debezium.forEach(f -> out.append(' ').append(f.contender().label).append(" |"));
        out.append("\n|---|").append("---|".repeat(debezium.size())).append('\n');
        if (stock.isPresent()) {
            out.append("| cold drain ≥ 2× the stock pipeline's |");
            for (FootprintFigures f : debezium) {
                double times = f.drainEventsPerSecond() / stock.get().drainEventsPerSecond();
                out.append(' ').append(verdict(times >= 2, number(times, 2) + "×")).append(" |");
            }
            out.append('\n');
        }
        for (Target target : TARGETS) {
            out.append("| ").append(target.name()).append(" |");
            for (FootprintFigures f : debezium) {
                double value = target.figure().applyAsDouble(f);
                out.append(' ').append(Double.isNaN(value) ? "–"
                        : verdict(target.met(value), number(value, value < 100 ? 1 : 0) + target.unit())).append(" |");
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static String verdict(boolean met, String value) {
        return value + (met ? ", met" : ", missed");
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
