package dev.outbox.bench;

import static dev.outbox.bench.Report.CPU_PART_PREFIX;
import static dev.outbox.bench.Report.SAGA;
import static dev.outbox.bench.Report.SAGA_CONTENDER;
import static dev.outbox.bench.Report.cell;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The saga scenario's part of REPORT.md: one row per offered rate and start (a cold system, or one warmed up by
 * orders left out of the figures), CPU per saga by part of the system, the knee and the saga targets.
 */
final class SagaSection {
    /** A run measured from a cold start: the system's first orders are the measured ones. */
    static final String COLD = "cold";
    /** A run measured after a warm-up of the same load, left out of the figures. */
    static final String WARM = "warm";

    private SagaSection() {
    }

    static String variant(int rate, String start) {
        return rate + " orders/s, " + start;
    }

    static String restartVariant(int rate) {
        return rate + " orders/s, kill -9";
    }

    static int rate(String variant) {
        return Integer.parseInt(variant.substring(0, variant.indexOf(' ')));
    }

    /** cold or warm; empty for variants recorded before runs had a start. */
    static String start(String variant) {
        int comma = variant.indexOf(", ");
        return comma < 0 ? "" : variant.substring(comma + 2);
    }

    /** The saga variants by offered rate, cold before warm. */
    static List<String> variants(Results results) {
        return results.variants(SAGA).stream()
                .sorted(Comparator.comparingInt(SagaSection::rate).thenComparing(SagaSection::start)).toList();
    }

    private static Optional<Stats> stats(Results results, String variant, String metric) {
        return results.stats(SAGA, variant, SAGA_CONTENDER, metric);
    }

    /** Per variant of one start, the medians the knee rule reads; a variant with no completed figure is left out. */
    static List<SagaSummary.RatePoint> points(Results results, String start) {
        List<SagaSummary.RatePoint> points = new ArrayList<>();
        for (String variant : variants(results)) {
            Optional<Stats> completed = stats(results, variant, "sagas_per_s");
            Optional<Stats> p99 = stats(results, variant, "p99_ms");
            Optional<Stats> pass = stats(results, variant, "invariants_pass");
            if (!start(variant).equals(start) || completed.isEmpty() || p99.isEmpty() || pass.isEmpty()) {
                continue;
            }
            points.add(new SagaSummary.RatePoint(rate(variant), completed.get().median(), p99.get().median(),
                    pass.get().min() >= 1));
        }
        return points;
    }

    /** The points the throughput targets read: the warm runs', or those of whatever start the run measured. */
    static List<SagaSummary.RatePoint> targetPoints(Results results) {
        for (String start : List.of(WARM, COLD, "")) {
            List<SagaSummary.RatePoint> points = points(results, start);
            if (!points.isEmpty()) {
                return points;
            }
        }
        return List.of();
    }

    static String render(Results results) {
        StringBuilder md = new StringBuilder();
        md.append("## Saga: the sandbox workload at rising rates → completed sagas/s and saga latency\n\n");
        md.append("Each run is a fresh `outbox-sandbox.jar --exit --durable --no-disruption` (its own durable ")
                .append("PostgreSQL and Kafka, two relay processes, both services, the demo's order mix placed open ")
                .append("loop at the offered rate; no relay freeze), measured from a cold start or after a warm-up ")
                .append("of the same load (`--warmup-orders`, left out of every figure). Completed sagas/s = ")
                .append("terminal orders / (last terminal commit − first order insert); latency = order insert → the ")
                .append("commit that made it terminal (database timestamps). CPU per terminal saga, from the first ")
                .append("measured order placed to the summary written: the sandbox JVM (Kafka broker, both services, ")
                .append("the workload's HTTP client) and, apart, the relay processes and PostgreSQL (server and ")
                .append("backends). Peak RSS is the sandbox JVM's.\n\n");
        md.append("| offered orders/s | start | orders | completed sagas/s | p50 ms | p99 ms | max ms ")
                .append("| CPU ms/saga (sandbox JVM) | CPU ms/saga (relays + PostgreSQL) | peak RSS MB | timed out ")
                .append("| invariants |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String variant : variants(results)) {
            if (stats(results, variant, "sagas_per_s").isPresent()) {
                md.append(row(results, variant));
            }
        }
        md.append('\n').append(cpuPartsTable(results));
        for (String start : List.of(COLD, WARM, "")) {
            List<SagaSummary.RatePoint> points = points(results, start);
            if (!points.isEmpty()) {
                md.append('\n').append(kneeLine(start, points)).append('\n');
            }
        }
        md.append('\n').append(targets(results)).append('\n');
        md.append("![completed sagas/s](saga-throughput.png)\n![saga latency](saga-latency.png)\n\n");
        return md.toString();
    }

    private static String row(Results results, String variant) {
        Stats pass = stats(results, variant, "invariants_pass").orElseThrow();
        long passed = results.samples().stream()
                .filter(x -> x.scenario().equals(SAGA) && x.variant().equals(variant)
                        && x.metric().equals("invariants_pass") && x.value() >= 1).count();
        String start = start(variant);
        return "| " + rate(variant) + " | " + (start.isEmpty() ? "–" : start) + " | "
                + cell(stats(results, variant, "orders"), 0) + " | "
                + cell(stats(results, variant, "sagas_per_s"), 1) + " | "
                + cell(stats(results, variant, "p50_ms"), 1) + " | "
                + cell(stats(results, variant, "p99_ms"), 1) + " | "
                + cell(stats(results, variant, "max_ms"), 1) + " | "
                + cell(stats(results, variant, "cpu_s_per_1000_jvm"), 2) + " | "
                + cell(stats(results, variant, "cpu_s_per_1000_others"), 2) + " | "
                + cell(stats(results, variant, "peak_rss_mb"), 0) + " | "
                + cell(stats(results, variant, "timed_out"), 0) + " | "
                + (passed == pass.count() ? "PASS" : "FAIL in " + (pass.count() - passed) + " of " + pass.count())
                + " |\n";
    }

    /**
     * CPU ms per terminal saga by part of the system (in-JVM broker, each consumer, HTTP, load generator, JIT, each
     * relay, PostgreSQL), one row per variant; empty when no run recorded parts.
     */
    static String cpuPartsTable(Results results) {
        List<String> parts = results.samples().stream()
                .filter(x -> x.scenario().equals(SAGA) && x.metric().startsWith(CPU_PART_PREFIX))
                .map(x -> x.metric().substring(CPU_PART_PREFIX.length())).distinct().sorted().toList();
        if (parts.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("CPU ms per saga by part (same window; `jvm:` = threads of the sandbox ")
                .append("JVM by name):\n\n| offered orders/s, start |");
        parts.forEach(part -> md.append(' ').append(part).append(" |"));
        md.append("\n|---|").append("---|".repeat(parts.size())).append('\n');
        for (String variant : variants(results)) {
            md.append("| ").append(variant.replace(" orders/s", "")).append(" |");
            parts.forEach(part -> md.append(' ')
                    .append(cell(stats(results, variant, CPU_PART_PREFIX + part), 2)).append(" |"));
            md.append('\n');
        }
        return md.toString();
    }

    static String kneeLine(String start, List<SagaSummary.RatePoint> points) {
        String rule = "completed ≥ 90% of offered, p99 ≤ 250 ms and every invariant held (medians over the "
                + "repetitions)";
        String label = start.isEmpty() ? "Knee" : "Knee, " + start + " start";
        return SagaSummary.knee(points)
                .map(k -> String.format("**%s: %,d orders/s offered** (%,.1f sagas/s completed, p99 %,.1f ms): "
                        + "the highest offered rate with %s.", label, k.offeredRate(), k.sagasPerSecond(),
                        k.p99Millis(), rule))
                .orElse("**" + label + ": none**: no offered rate had " + rule + ".");
    }

    /** Issue 6's saga target (in the relay's targets table), from the knee rule's points. */
    static String issue6Target(List<SagaSummary.RatePoint> points) {
        String target = "| ≥ 500 sagas/s with p99 ≤ 250 ms | saga | ";
        if (points.isEmpty()) {
            return target + "not measured (run `--scenario saga`) | unknown |\n";
        }
        Optional<SagaSummary.RatePoint> best = points.stream()
                .filter(p -> p.invariantsPass() && p.p99Millis() <= SagaSummary.KNEE_P99_MILLIS)
                .max(Comparator.comparingDouble(SagaSummary.RatePoint::sagasPerSecond));
        if (best.isEmpty()) {
            SagaSummary.RatePoint lowest = points.getFirst();
            return target + String.format("p99 above 250 ms at every rate (%,.1f ms at %,d orders/s offered)",
                    lowest.p99Millis(), lowest.offeredRate()) + " | " + String.format(
                    "missed: p99 over by %,.1f ms even at the lowest rate", lowest.p99Millis() - 250) + " |\n";
        }
        SagaSummary.RatePoint b = best.get();
        String measured = String.format("%,.1f sagas/s with p99 %,.1f ms (at %,d orders/s offered)",
                b.sagasPerSecond(), b.p99Millis(), b.offeredRate());
        return target + measured + " | " + atLeast(b.sagasPerSecond(), SagaSummary.TARGET_SAGAS_PER_SECOND,
                " sagas/s") + " |\n";
    }

    /** Issue 18's targets, each from the warm runs of this report. */
    static String targets(Results results) {
        List<String> warm = variants(results).stream().filter(v -> start(v).equals(WARM)).toList();
        StringBuilder md = new StringBuilder("Saga targets (issue 18), from the warm runs' medians:\n\n")
                .append("| target | measured | verdict |\n|---|---|---|\n");
        md.append(throughputTarget(results, warm));
        md.append(latencyTarget(results, warm, 100, "p99_ms", "p99 ≤ 250 ms at 100 orders/s", 250));
        md.append(latencyTarget(results, warm, 20, "p50_ms", "p50 ≤ 30 ms at 20 orders/s", 30));
        md.append(cpuTarget(results, warm));
        return md.toString();
    }

    private static String throughputTarget(Results results, List<String> warm) {
        String target = "| ≥ 300 completed sagas/s, every invariant held | ";
        Optional<String> best = warm.stream()
                .filter(v -> stats(results, v, "invariants_pass").map(p -> p.min() >= 1).orElse(false))
                .filter(v -> stats(results, v, "sagas_per_s").isPresent())
                .max(Comparator.comparingDouble(v -> stats(results, v, "sagas_per_s").orElseThrow().median()));
        if (best.isEmpty()) {
            return target + "no warm run with every invariant held | not measured |\n";
        }
        double completed = stats(results, best.get(), "sagas_per_s").orElseThrow().median();
        return target + String.format("%,.1f sagas/s (at %,d orders/s offered)", completed, rate(best.get()))
                + " | " + atLeast(completed, 300, " sagas/s") + " |\n";
    }

    private static String latencyTarget(Results results, List<String> warm, int rate, String metric,
            String target, double limitMillis) {
        Optional<Stats> measured = warm.stream().filter(v -> rate(v) == rate).findFirst()
                .flatMap(v -> stats(results, v, metric));
        if (measured.isEmpty()) {
            return "| " + target + " | not measured at " + rate + " orders/s warm | not measured |\n";
        }
        double millis = measured.get().median();
        return "| " + target + " | " + String.format("%,.1f ms", millis) + " | " + atMost(millis, limitMillis, " ms")
                + " |\n";
    }

    /** All processes' CPU per saga: the lowest over the warm rates, since fixed costs shrink per saga as rates grow. */
    private static String cpuTarget(Results results, List<String> warm) {
        String target = "| ≤ 6 ms of CPU per saga, all processes | ";
        Map<String, Double> perSaga = new LinkedHashMap<>();
        for (String variant : warm) {
            Optional<Stats> jvm = stats(results, variant, "cpu_s_per_1000_jvm");
            Optional<Stats> others = stats(results, variant, "cpu_s_per_1000_others");
            if (jvm.isPresent() && others.isPresent()) {
                perSaga.put(variant, jvm.get().median() + others.get().median());
            }
        }
        Optional<Map.Entry<String, Double>> lowest = perSaga.entrySet().stream().min(Map.Entry.comparingByValue());
        if (lowest.isEmpty()) {
            return target + "no warm run with CPU figures | not measured |\n";
        }
        return target + String.format("%,.2f ms (lowest of the warm rates, at %,d orders/s offered)",
                lowest.get().getValue(), rate(lowest.get().getKey())) + " | "
                + atMost(lowest.get().getValue(), 6, " ms") + " |\n";
    }

    private static String atLeast(double measured, double target, String unit) {
        if (measured >= target) {
            return "met";
        }
        return String.format("missed by %,.2f%s (%.0f%% of the target)", target - measured, unit,
                100 * measured / target);
    }

    private static String atMost(double measured, double limit, String unit) {
        if (measured <= limit) {
            return "met";
        }
        return String.format("missed by %,.1f%s (%.1f× the target)", measured - limit, unit, measured / limit);
    }

    /** The kill -9 and restart runs: how soon the restarted service's consumer applied events again. */
    static String renderRestarts(Results results) {
        StringBuilder md = new StringBuilder("## Saga: a service killed with kill -9 and restarted at once\n\n");
        md.append("Each run is a fresh sandbox as above, cold, with the inventory service as a process of its own ")
                .append("(`--kill-inventory-after N`): after a third of the orders it is killed with SIGKILL and ")
                .append("started again at once, the reservation deadline ").append(SagaRuns.RESTART_DEADLINE_MILLIS
                        / 1000).append(" s. Resumed = its consumer's first applied event (inbox row, database ")
                .append("clock) after the new process started, and after its HTTP API first answered.\n\n")
                .append("| offered orders/s | orders | resumed after the process started, ms | after HTTP answered, ms ")
                .append("| timed out | p99 ms | max ms | invariants |\n|---|---|---|---|---|---|---|---|\n");
        List<String> variants = results.variants(Report.RESTART).stream().sorted(
                Comparator.comparingInt(SagaSection::rate)).toList();
        for (String variant : variants) {
            md.append("| ").append(rate(variant)).append(" | ")
                    .append(cell(restartStats(results, variant, "orders"), 0)).append(" | ")
                    .append(cell(restartStats(results, variant, "resume_after_process_start_ms"), 0)).append(" | ")
                    .append(cell(restartStats(results, variant, "resume_after_healthy_ms"), 0)).append(" | ")
                    .append(cell(restartStats(results, variant, "timed_out"), 0)).append(" | ")
                    .append(cell(restartStats(results, variant, "p99_ms"), 1)).append(" | ")
                    .append(cell(restartStats(results, variant, "max_ms"), 1)).append(" | ")
                    .append(restartStats(results, variant, "invariants_pass").map(p -> p.min() >= 1 ? "PASS" : "FAIL")
                            .orElse("–")).append(" |\n");
        }
        Optional<Stats> worst = variants.stream()
                .map(v -> restartStats(results, v, "resume_after_process_start_ms")).flatMap(Optional::stream)
                .max(Comparator.comparingDouble(Stats::median));
        md.append("\nTarget (issue 18): consumers process again within 5 s of the new process starting: ")
                .append(worst.map(w -> String.format("%,.0f ms, %s", w.median(), atMost(w.median(), 5_000, " ms")))
                        .orElse("not measured")).append(".\n\n");
        return md.toString();
    }

    private static Optional<Stats> restartStats(Results results, String variant, String metric) {
        return results.stats(Report.RESTART, variant, SAGA_CONTENDER, metric);
    }

    /** saga-throughput.png (offered and completed per variant) and saga-latency.png (p50 and p99 per variant). */
    static Map<String, Map<String, Map<String, Stats>>> charts(Results results) {
        Map<String, Map<String, Map<String, Stats>>> charts = new LinkedHashMap<>();
        Map<String, Map<String, Stats>> throughput = new LinkedHashMap<>();
        Map<String, Map<String, Stats>> latency = new LinkedHashMap<>();
        for (String variant : variants(results)) {
            Map<String, Stats> t = new LinkedHashMap<>();
            stats(results, variant, "offered_rate").ifPresent(x -> t.put("offered", x));
            stats(results, variant, "sagas_per_s").ifPresent(x -> t.put("completed", x));
            Map<String, Stats> l = new LinkedHashMap<>();
            stats(results, variant, "p50_ms").ifPresent(x -> l.put("p50", x));
            stats(results, variant, "p99_ms").ifPresent(x -> l.put("p99", x));
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
}
