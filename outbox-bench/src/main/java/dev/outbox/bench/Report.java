package dev.outbox.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Renders {@link Results} as REPORT.md plus PNG charts. */
final class Report {
    private Report() {
    }

    record Environment(Instant started, Instant finished, String loadBefore, String loadAfter, String postgres,
            String options, String machine, String relay) {

        void store(Path file) throws IOException {
            java.util.Properties p = new java.util.Properties();
            p.setProperty("started", started.toString());
            p.setProperty("finished", finished.toString());
            p.setProperty("loadBefore", loadBefore);
            p.setProperty("loadAfter", loadAfter);
            p.setProperty("postgres", postgres);
            p.setProperty("options", options);
            p.setProperty("machine", machine);
            p.setProperty("relay", relay);
            try (var out = Files.newBufferedWriter(file)) {
                p.store(out, "outbox-bench run environment");
            }
        }

        static Environment load(Path file) throws IOException {
            java.util.Properties p = new java.util.Properties();
            try (var in = Files.newBufferedReader(file)) {
                p.load(in);
            }
            return new Environment(Instant.parse(p.getProperty("started")), Instant.parse(p.getProperty("finished")),
                    p.getProperty("loadBefore"), p.getProperty("loadAfter"), p.getProperty("postgres"),
                    p.getProperty("options"), p.getProperty("machine"), p.getProperty("relay"));
        }
    }

    static final String DRAIN = "drain";
    static final String STEADY = "steady";
    static final String IDLE = "idle";
    static final String SAGA = "saga";
    /** Metrics {@code cpu_ms_per_saga:<part>}: CPU per terminal saga of one part of the system. */
    static final String CPU_PART_PREFIX = "cpu_ms_per_saga:";
    /** The saga scenario's only "contender": the whole sandbox system. */
    static final String SAGA_CONTENDER = "sandbox (durable; no relay freeze)";

    static String sagaVariant(int rate) {
        return rate + " orders/s";
    }

    static void write(Path directory, Results results, Environment environment) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve("REPORT.md"), markdown(results, environment));
        for (Map.Entry<String, Map<String, Map<String, Stats>>> chart : sagaCharts(results).entrySet()) {
            boolean log = chart.getKey().contains("latency");
            Charts.groupedBars(directory.resolve(chart.getKey()), log
                    ? "saga latency (order placed -> terminal) by offered rate" : "completed sagas/s by offered rate",
                    log ? "ms (log scale)" : "sagas/s", chart.getValue(), log);
        }
        for (Map.Entry<String, Map<String, Map<String, Stats>>> chart : charts(results).entrySet()) {
            boolean log = chart.getKey().startsWith("latency");
            String unit = log ? "ms (log scale)" : "events/s";
            String title = log ? "commit -> consume latency, " + chart.getKey().substring("latency-".length())
                    .replace(".png", "") + " by rate" : "drain throughput by contender";
            Charts.groupedBars(directory.resolve(chart.getKey()), title, unit, chart.getValue(), log);
        }
    }

    /** file name -> chart data (x group -> series -> stats). */
    static Map<String, Map<String, Map<String, Stats>>> charts(Results results) {
        Map<String, Map<String, Map<String, Stats>>> charts = new LinkedHashMap<>();
        Map<String, Map<String, Stats>> drain = results.table(DRAIN, "events_per_s");
        if (!drain.isEmpty()) {
            charts.put("drain-throughput.png", drain);
        }
        for (String metric : List.of("commit_p50_ms", "commit_p99_ms", "commit_p999_ms")) {
            Map<String, Map<String, Stats>> steady = results.table(STEADY, metric);
            if (!steady.isEmpty()) {
                charts.put("latency-" + metric.replace("commit_", "").replace("_ms", "") + ".png", steady);
            }
        }
        return charts;
    }

    /** saga-throughput.png (offered and completed per rate) and saga-latency.png (p50 and p99 per rate). */
    static Map<String, Map<String, Map<String, Stats>>> sagaCharts(Results results) {
        Map<String, Map<String, Map<String, Stats>>> charts = new LinkedHashMap<>();
        Map<String, Map<String, Stats>> throughput = new LinkedHashMap<>();
        Map<String, Map<String, Stats>> latency = new LinkedHashMap<>();
        for (String variant : sagaVariants(results)) {
            Map<String, Stats> t = new LinkedHashMap<>();
            results.stats(SAGA, variant, SAGA_CONTENDER, "offered_rate").ifPresent(x -> t.put("offered", x));
            results.stats(SAGA, variant, SAGA_CONTENDER, "sagas_per_s").ifPresent(x -> t.put("completed", x));
            Map<String, Stats> l = new LinkedHashMap<>();
            results.stats(SAGA, variant, SAGA_CONTENDER, "p50_ms").ifPresent(x -> l.put("p50", x));
            results.stats(SAGA, variant, SAGA_CONTENDER, "p99_ms").ifPresent(x -> l.put("p99", x));
            if (t.containsKey("completed")) {
                throughput.put(variant, t);
            }
            if (!l.isEmpty()) {
                latency.put(variant, l);
            }
        }
        if (!throughput.isEmpty()) {
            charts.put("saga-throughput.png", throughput);
        }
        if (!latency.isEmpty()) {
            charts.put("saga-latency.png", latency);
        }
        return charts;
    }

    /** The saga variants in ascending offered rate. */
    static List<String> sagaVariants(Results results) {
        return results.variants(SAGA).stream()
                .sorted(java.util.Comparator.comparingInt(v -> Integer.parseInt(v.substring(0, v.indexOf(' ')))))
                .toList();
    }

    /** Per offered rate, the medians the knee rule reads; a rate with no completed figure is left out. */
    static List<SagaSummary.RatePoint> sagaPoints(Results results) {
        List<SagaSummary.RatePoint> points = new java.util.ArrayList<>();
        for (String variant : sagaVariants(results)) {
            Optional<Stats> completed = results.stats(SAGA, variant, SAGA_CONTENDER, "sagas_per_s");
            Optional<Stats> p99 = results.stats(SAGA, variant, SAGA_CONTENDER, "p99_ms");
            Optional<Stats> pass = results.stats(SAGA, variant, SAGA_CONTENDER, "invariants_pass");
            if (completed.isEmpty() || p99.isEmpty() || pass.isEmpty()) {
                continue;
            }
            int rate = Integer.parseInt(variant.substring(0, variant.indexOf(' ')));
            points.add(new SagaSummary.RatePoint(rate, completed.get().median(), p99.get().median(),
                    pass.get().min() >= 1));
        }
        return points;
    }

    static String sagaSection(Results results) {
        StringBuilder md = new StringBuilder();
        md.append("## Saga: the sandbox workload at rising rates → completed sagas/s and saga latency\n\n");
        md.append("Each run is a fresh `outbox-sandbox.jar --exit --durable --no-disruption` (its own durable ")
                .append("PostgreSQL and Kafka, two relay processes, both services, the demo's order mix placed open ")
                .append("loop at the offered rate; no relay freeze). Completed sagas/s = terminal orders / (last ")
                .append("terminal commit − first order insert); latency = order insert → the commit that made it ")
                .append("terminal (database timestamps). CPU per 1000 terminal sagas, from the first order placed to ")
                .append("the summary written: the sandbox JVM (Kafka broker, both services, the workload's HTTP ")
                .append("client) and, apart, the relay processes and PostgreSQL (server and backends). Peak RSS is ")
                .append("the sandbox JVM's.\n\n");
        md.append("| offered orders/s | orders | completed sagas/s | p50 ms | p99 ms | CPU s/1000 sagas (sandbox JVM) ")
                .append("| CPU s/1000 sagas (relays + PostgreSQL) | peak RSS MB | timed out | invariants |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (String variant : sagaVariants(results)) {
            Optional<Stats> completed = results.stats(SAGA, variant, SAGA_CONTENDER, "sagas_per_s");
            if (completed.isEmpty()) {
                continue;
            }
            Stats pass = results.stats(SAGA, variant, SAGA_CONTENDER, "invariants_pass").orElseThrow();
            long passed = results.samples().stream()
                    .filter(x -> x.scenario().equals(SAGA) && x.variant().equals(variant)
                            && x.metric().equals("invariants_pass") && x.value() >= 1).count();
            md.append("| ").append(variant.substring(0, variant.indexOf(' '))).append(" | ")
                    .append(cell(results.stats(SAGA, variant, SAGA_CONTENDER, "orders"), 0)).append(" | ")
                    .append(cell(completed, 1)).append(" | ")
                    .append(cell(results.stats(SAGA, variant, SAGA_CONTENDER, "p50_ms"), 1)).append(" | ")
                    .append(cell(results.stats(SAGA, variant, SAGA_CONTENDER, "p99_ms"), 1)).append(" | ")
                    .append(cell(results.stats(SAGA, variant, SAGA_CONTENDER, "cpu_s_per_1000_jvm"), 2))
                    .append(" | ")
                    .append(cell(results.stats(SAGA, variant, SAGA_CONTENDER, "cpu_s_per_1000_others"), 2))
                    .append(" | ")
                    .append(cell(results.stats(SAGA, variant, SAGA_CONTENDER, "peak_rss_mb"), 0)).append(" | ")
                    .append(cell(results.stats(SAGA, variant, SAGA_CONTENDER, "timed_out"), 0)).append(" | ")
                    .append(passed == pass.count() ? "PASS" : "FAIL in " + (pass.count() - passed) + " of "
                            + pass.count())
                    .append(" |\n");
        }
        md.append('\n').append(cpuPartsTable(results));
        md.append('\n').append(kneeLine(sagaPoints(results))).append("\n\n");
        md.append("![completed sagas/s](saga-throughput.png)\n![saga latency](saga-latency.png)\n\n");
        return md.toString();
    }

    /**
     * CPU ms per terminal saga by part of the system (in-JVM broker, each consumer, HTTP, load generator, JIT, each
     * relay, PostgreSQL), one row per offered rate; empty when no run recorded parts.
     */
    static String cpuPartsTable(Results results) {
        List<String> parts = results.samples().stream()
                .filter(x -> x.scenario().equals(SAGA) && x.metric().startsWith(CPU_PART_PREFIX))
                .map(x -> x.metric().substring(CPU_PART_PREFIX.length())).distinct().sorted().toList();
        if (parts.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("CPU ms per saga by part (same window; `jvm:` = threads of the sandbox ")
                .append("JVM by name):\n\n| offered orders/s |");
        parts.forEach(part -> md.append(' ').append(part).append(" |"));
        md.append("\n|---|").append("---|".repeat(parts.size())).append('\n');
        for (String variant : sagaVariants(results)) {
            md.append("| ").append(variant.substring(0, variant.indexOf(' '))).append(" |");
            parts.forEach(part -> md.append(' ')
                    .append(cell(results.stats(SAGA, variant, SAGA_CONTENDER, CPU_PART_PREFIX + part), 2))
                    .append(" |"));
            md.append('\n');
        }
        return md.toString();
    }

    static String kneeLine(List<SagaSummary.RatePoint> points) {
        String rule = "completed ≥ 90% of offered, p99 ≤ 250 ms and every invariant held (medians over the "
                + "repetitions)";
        return SagaSummary.knee(points)
                .map(k -> String.format("**Knee: %,d orders/s offered** (%,.1f sagas/s completed, p99 %,.1f ms): "
                        + "the highest offered rate with %s.", k.offeredRate(), k.sagasPerSecond(), k.p99Millis(),
                        rule))
                .orElse("**Knee: none**: no offered rate had " + rule + ".");
    }

    /** The saga target, from the knee rule's points. */
    static String sagaTarget(List<SagaSummary.RatePoint> points) {
        String target = "| ≥ 500 sagas/s with p99 ≤ 250 ms | saga | ";
        if (points.isEmpty()) {
            return target + "not measured (run `--scenario saga`) | unknown |\n";
        }
        Optional<SagaSummary.RatePoint> best = points.stream()
                .filter(p -> p.invariantsPass() && p.p99Millis() <= SagaSummary.KNEE_P99_MILLIS)
                .max(java.util.Comparator.comparingDouble(SagaSummary.RatePoint::sagasPerSecond));
        if (best.isEmpty()) {
            SagaSummary.RatePoint lowest = points.getFirst();
            return target + String.format("p99 above 250 ms at every rate (%,.1f ms at %,d orders/s offered)",
                    lowest.p99Millis(), lowest.offeredRate()) + " | " + String.format(
                    "missed: p99 over by %,.1f ms even at the lowest rate", lowest.p99Millis() - 250) + " |\n";
        }
        SagaSummary.RatePoint b = best.get();
        String measured = String.format("%,.1f sagas/s with p99 %,.1f ms (at %,d orders/s offered)",
                b.sagasPerSecond(), b.p99Millis(), b.offeredRate());
        return target + measured + " | " + verdict(b.sagasPerSecond(), SagaSummary.TARGET_SAGAS_PER_SECOND,
                " sagas/s") + " |\n";
    }

    static String markdown(Results results, Environment env) {
        StringBuilder md = new StringBuilder();
        md.append("# outbox benchmark report\n\n");
        md.append("Generated by `outbox-bench` (see outbox-bench/README.md). Every figure below was measured by ")
                .append("this run; each cell is the **median** over the interleaved repetitions with **[min – max]**.")
                .append("\n\n## Run\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| started / finished (UTC) | ").append(env.started()).append(" / ").append(env.finished())
                .append(" (").append(Duration.between(env.started(), env.finished()).toMinutes()).append(" min) |\n");
        md.append("| machine | ").append(env.machine()).append(" |\n");
        md.append("| load average before / after (1, 5, 15 min) | ").append(env.loadBefore()).append(" / ")
                .append(env.loadAfter()).append(" |\n");
        md.append("| JVM | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.version")).append(" |\n");
        md.append("| PostgreSQL | ").append(env.postgres()).append(" |\n");
        md.append("| Kafka | 4.3.0 single KRaft node in its own JVM (testkit KafkaBrokerProcess.startAsShipped: "
                + "G1, 1 GB heap, as Kafka's start scripts) |\n");
        md.append("| Debezium | 3.6.3.Final |\n");
        md.append("| our relay | ").append(env.relay()).append(" |\n");
        md.append("| options | `").append(env.options()).append("` |\n\n");

        if (!results.variants(DRAIN).isEmpty()) {
            md.append("## Drain: committed backlog → every id seen by a read_committed consumer\n\n");
            md.append("events/s is measured from the first to the last event the consumer saw (ceilings that ")
                    .append("do not go through the consumer time themselves); startup is contender launch → first ")
                    .append("event. CPU is per million events, for the whole life of the contender's JVM (start-up ")
                    .append("and JIT included) and, separately, for the PostgreSQL backends serving it (walsender or ")
                    .append("query backend).\n\n");
            for (String variant : results.variants(DRAIN)) {
                md.append("### ").append(variant).append("\n\n");
                md.append("| contender | events/s | startup s | CPU s/M (JVM) | CPU s/M (PG backend) | peak RSS MB |\n");
                md.append("|---|---|---|---|---|---|\n");
                for (String contender : results.contenders(DRAIN)) {
                    Optional<Stats> rate = results.stats(DRAIN, variant, contender, "events_per_s");
                    if (rate.isEmpty()) {
                        continue;
                    }
                    md.append("| ").append(contender).append(" | ").append(cell(rate, 0)).append(" | ")
                            .append(cell(results.stats(DRAIN, variant, contender, "startup_s"), 2)).append(" | ")
                            .append(cell(results.stats(DRAIN, variant, contender, "cpu_s_per_M_process"), 1))
                            .append(" | ")
                            .append(cell(results.stats(DRAIN, variant, contender, "cpu_s_per_M_pg_backend"), 1))
                            .append(" | ")
                            .append(cell(results.stats(DRAIN, variant, contender, "peak_rss_mb"), 0)).append(" |\n");
                }
                md.append('\n');
            }
            md.append("![drain throughput](drain-throughput.png)\n\n");
        }
        if (!results.variants(STEADY).isEmpty()) {
            md.append("## Steady: open-loop writer → commit→consume latency (ms)\n\n");
            md.append("The writer follows a fixed schedule (event i is due at start + i/rate) on 8 connections, ")
                    .append("one row per transaction; latency = consumer's clock at receipt − the database's ")
                    .append("`clock_timestamp()` taken inside the inserting statement (so it includes the commit's ")
                    .append("WAL flush). \"p99 from intended\" is measured from the scheduled time instead: it also ")
                    .append("counts a writer that fell behind (no coordinated omission). The first seconds of each ")
                    .append("run are written but not measured.\n\n");
            for (String variant : results.variants(STEADY)) {
                md.append("### ").append(variant).append("\n\n");
                md.append("| contender | p50 | p99 | p99.9 | max | p99 from intended | write rate achieved/s |\n");
                md.append("|---|---|---|---|---|---|---|\n");
                for (String contender : results.contenders(STEADY)) {
                    Optional<Stats> p50 = results.stats(STEADY, variant, contender, "commit_p50_ms");
                    if (p50.isEmpty()) {
                        continue;
                    }
                    md.append("| ").append(contender).append(" | ").append(cell(p50, 1)).append(" | ")
                            .append(cell(results.stats(STEADY, variant, contender, "commit_p99_ms"), 1)).append(" | ")
                            .append(cell(results.stats(STEADY, variant, contender, "commit_p999_ms"), 1)).append(" | ")
                            .append(cell(results.stats(STEADY, variant, contender, "commit_max_ms"), 1)).append(" | ")
                            .append(cell(results.stats(STEADY, variant, contender, "intended_p99_ms"), 1))
                            .append(" | ")
                            .append(cell(results.stats(STEADY, variant, contender, "achieved_write_rate"), 0))
                            .append(" |\n");
                }
                md.append('\n');
            }
            for (String chart : charts(results).keySet()) {
                if (chart.startsWith("latency")) {
                    md.append("![").append(chart).append("](").append(chart).append(")\n");
                }
            }
            md.append('\n');
        }
        if (!results.variants(IDLE).isEmpty()) {
            md.append("## Idle: one event after 10 s of silence → commit→consume latency (ms)\n\n");
            md.append("| contender | latency ms | samples |\n|---|---|---|\n");
            for (String contender : results.contenders(IDLE)) {
                Optional<Stats> s = results.stats(IDLE, "after 10 s idle", contender, "latency_ms");
                s.ifPresent(stats -> md.append("| ").append(contender).append(" | ").append(cell(s, 1))
                        .append(" | ").append(stats.count()).append(" |\n"));
            }
            md.append('\n');
        }
        if (!results.variants(SAGA).isEmpty()) {
            md.append(sagaSection(results));
        }
        md.append(targets(results));
        if (!results.hotThreads().isEmpty()) {
            md.append("## Where the CPU went (busiest threads of each contender's JVM, last drain run; the sandbox JVM's, last saga run of each rate)\n\n");
            md.append("From /proc/<pid>/task at the end of the run; Linux keeps 15 characters of a thread name; numbers after - or # folded to N (pools summed).\n\n");
            md.append("| contender, run | threads (CPU seconds) |\n|---|---|\n");
            results.hotThreads().forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v)
                    .append(" |\n"));
            md.append('\n');
        }
        md.append("## Failures\n\n");
        if (results.failures().isEmpty()) {
            md.append("None: every run delivered every event.\n");
        } else {
            results.failures().forEach(f -> md.append("- ").append(f).append('\n'));
        }
        md.append('\n');
        return md.toString();
    }

    /** The targets for our relay, each checked against this run's medians. */
    static String targets(Results results) {
        String relay = Contender.OUR_RELAY.label;
        String stock = Contender.DEBEZIUM_DEFAULT.label;
        StringBuilder md = new StringBuilder("## Targets (issue 6) for our relay, from this run's medians\n\n");
        if (!results.contenders(DRAIN).contains(relay) && !results.contenders(STEADY).contains(relay)) {
            if (results.variants(SAGA).isEmpty()) {
                md.append("Our relay was not measured in this run: no target can be checked.\n\n");
                return md.toString();
            }
            md.append("Our relay was not measured alone in this run; only the saga target can be checked.\n\n");
            md.append("| target | where | measured | verdict |\n|---|---|---|---|\n");
            md.append(sagaTarget(sagaPoints(results))).append('\n');
            return md.toString();
        }
        md.append("| target | where | measured | verdict |\n|---|---|---|---|\n");
        for (String variant : results.variants(DRAIN)) {
            Optional<Stats> ours = results.stats(DRAIN, variant, relay, "events_per_s");
            if (ours.isEmpty()) {
                md.append("| drain | ").append(variant).append(" | no figure (see Failures) | not met |\n");
                continue;
            }
            double r = ours.get().median();
            results.stats(DRAIN, variant, stock, "events_per_s").ifPresent(d -> md.append("| drain ≥ 2× stock (")
                    .append(stock).append(") | ").append(variant).append(" | ")
                    .append(String.format("%,.0f vs %,.0f events/s = %.2f×", r, d.median(), r / d.median()))
                    .append(" | ").append(verdict(r / d.median(), 2.0, "×")).append(" |\n"));
            md.append("| drain ≥ 40,000 events/s | ").append(variant).append(" | ")
                    .append(String.format("%,.0f events/s", r)).append(" | ").append(verdict(r, 40_000, " events/s"))
                    .append(" |\n");
            results.stats(DRAIN, variant, Contender.INSERT_MULTIROW.label, "events_per_s").ifPresent(i -> md
                    .append("| drain ≥ multi-row insert rate | ").append(variant).append(" | ")
                    .append(String.format("%,.0f vs %,.0f events/s", r, i.median())).append(" | ")
                    .append(verdict(r, i.median(), " events/s")).append(" |\n"));
        }
        for (String variant : results.variants(STEADY)) {
            if (!variant.startsWith("1000/s")) {
                continue;
            }
            Optional<Stats> p99 = results.stats(STEADY, variant, relay, "commit_p99_ms");
            md.append("| p99 ≤ 20 ms at 1,000 events/s | ").append(variant).append(" | ")
                    .append(p99.map(p -> String.format("%,.1f ms", p.median())).orElse("no figure (see Failures)"))
                    .append(" | ").append(p99.map(p -> p.median() <= 20 ? "met"
                            : String.format("missed by %,.1f ms (%.1f× the target)", p.median() - 20,
                                    p.median() / 20)).orElse("not met"))
                    .append(" |\n");
        }
        md.append(sagaTarget(sagaPoints(results))).append('\n');
        md.append("Where the relay's drain time goes, from the same run: the pgoutput decode ceiling is how fast ")
                .append("PostgreSQL decodes and ships the WAL, the raw producer how fast Kafka takes the same ")
                .append("records; the relay's distance to the slower of the two is spent in the relay itself ")
                .append("(its busiest threads are listed below).\n\n");
        md.append("| drain | our relay | pgoutput decode | raw producer | relay / min(ceilings) |\n")
                .append("|---|---|---|---|---|\n");
        for (String variant : results.variants(DRAIN)) {
            Optional<Stats> ours = results.stats(DRAIN, variant, relay, "events_per_s");
            Optional<Stats> decode = results.stats(DRAIN, variant, Contender.PGOUTPUT_DECODE.label, "events_per_s");
            Optional<Stats> raw = results.stats(DRAIN, variant, Contender.RAW_PRODUCER.label, "events_per_s");
            if (ours.isEmpty() || decode.isEmpty() || raw.isEmpty()) {
                continue;
            }
            double ceiling = Math.min(decode.get().median(), raw.get().median());
            md.append("| ").append(variant).append(" | ").append(String.format("%,.0f", ours.get().median()))
                    .append(" | ").append(String.format("%,.0f", decode.get().median())).append(" | ")
                    .append(String.format("%,.0f", raw.get().median())).append(" | ")
                    .append(String.format("%.0f%%", 100 * ours.get().median() / ceiling)).append(" |\n");
        }
        md.append('\n');
        return md.toString();
    }

    private static String verdict(double measured, double target, String unit) {
        if (measured >= target) {
            return "met";
        }
        return String.format("missed by %,.2f%s (%.0f%% of the target)", target - measured, unit,
                100 * measured / target);
    }

    static String cell(Optional<Stats> stats, int decimals) {
        if (stats.isEmpty()) {
            return "–";
        }
        Stats s = stats.get();
        String format = "%,." + decimals + "f";
        if (s.count() == 1) {
            return String.format(format, s.median());
        }
        return String.format(format + " [" + format + " – " + format + "]", s.median(), s.min(), s.max());
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException ignored) {
            // Not Linux: the CPU stays unknown.
        }
        String memory = "";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    memory = String.format(", %.0f GiB RAM", kb / 1024.0 / 1024.0);
                }
            }
        } catch (IOException ignored) {
            // Not Linux.
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " CPUs" + memory + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.version")
                + "; PostgreSQL, Kafka, driver and contender all on this one machine";
    }
}
