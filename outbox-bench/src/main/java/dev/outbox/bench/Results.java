package dev.outbox.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Every figure one run measured, one sample per repetition, plus the failures. */
final class Results {

    /** One measured value. {@code variant} is e.g. "256 B x 100000" or "1000/s @ 1 KB". */
    record Sample(String scenario, String variant, String contender, int repetition, String metric, double value) {
    }

    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> hotThreads = Collections.synchronizedMap(new LinkedHashMap<>());

    void add(String scenario, String variant, String contender, int repetition, String metric, double value) {
        samples.add(new Sample(scenario, variant, contender, repetition, metric, value));
    }

    /** Where a contender's CPU went in one drain run (the latest run of each label wins). */
    void hotThreads(String label, String threads) {
        hotThreads.put(label, threads);
    }

    Map<String, String> hotThreads() {
        synchronized (hotThreads) {
            return new LinkedHashMap<>(hotThreads);
        }
    }

    void fail(String what) {
        failures.add(what);
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    Set<String> variants(String scenario) {
        Set<String> result = new LinkedHashSet<>();
        samples().stream().filter(s -> s.scenario().equals(scenario)).forEach(s -> result.add(s.variant()));
        return result;
    }

    Set<String> contenders(String scenario) {
        Set<String> result = new LinkedHashSet<>();
        samples().stream().filter(s -> s.scenario().equals(scenario)).forEach(s -> result.add(s.contender()));
        return result;
    }

    Optional<Stats> stats(String scenario, String variant, String contender, String metric) {
        List<Double> values = new ArrayList<>();
        for (Sample s : samples()) {
            if (s.scenario().equals(scenario) && s.variant().equals(variant) && s.contender().equals(contender)
                    && s.metric().equals(metric)) {
                values.add(s.value());
            }
        }
        return values.isEmpty() ? Optional.empty() : Optional.of(Stats.of(values));
    }

    /** variant -> contender -> stats of one metric, in insertion order. */
    Map<String, Map<String, Stats>> table(String scenario, String metric) {
        Map<String, Map<String, Stats>> result = new LinkedHashMap<>();
        for (String variant : variants(scenario)) {
            Map<String, Stats> row = new LinkedHashMap<>();
            for (String contender : contenders(scenario)) {
                stats(scenario, variant, contender, metric).ifPresent(s -> row.put(contender, s));
            }
            if (!row.isEmpty()) {
                result.put(variant, row);
            }
        }
        return result;
    }

    /** Reads back what {@link BenchMain} stored in a results directory (samples, failures, hot threads). */
    static Results load(java.nio.file.Path directory) throws java.io.IOException {
        Results results = new Results();
        List<String> lines = java.nio.file.Files.readAllLines(directory.resolve("samples.csv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", 6);
            results.add(f[0], f[1], f[2], Integer.parseInt(f[3]), f[4], Double.parseDouble(f[5]));
        }
        java.nio.file.Path failures = directory.resolve("failures.txt");
        if (java.nio.file.Files.exists(failures)) {
            java.nio.file.Files.readAllLines(failures).stream().filter(l -> !l.isBlank()).forEach(results::fail);
        }
        java.nio.file.Path hot = directory.resolve("hot-threads.tsv");
        if (java.nio.file.Files.exists(hot)) {
            for (String line : java.nio.file.Files.readAllLines(hot)) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    results.hotThreads(line.substring(0, tab), line.substring(tab + 1));
                }
            }
        }
        return results;
    }

    String csv() {
        StringBuilder out = new StringBuilder("scenario,variant,contender,repetition,metric,value\n");
        for (Sample s : samples()) {
            out.append(s.scenario()).append(',').append(s.variant()).append(',').append(s.contender()).append(',')
                    .append(s.repetition()).append(',').append(s.metric()).append(',').append(s.value()).append('\n');
        }
        return out.toString();
    }
}
