package dev.outbox.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Command line: {@code [--quick] [--scenario drain,steady,idle] [--contenders kind,...] [--reps N]
 * [--large-drain-reps N] [--steady-reps N]
 * [--payloads 256,1024] [--drain-counts 100000,1000000] [--rates 500,1000,5000] [--steady-seconds S]
 * [--saga-rates 50,100,...] [--saga-starts cold,warm] [--saga-restart-rate R] [--saga-orders N] [--out DIR]}. Defaults are the full suite except the saga
 * scenario (asked for with {@code --scenario saga}); {@code --quick} shrinks every size for a smoke run of a few
 * minutes.
 */
record BenchOptions(boolean quick, Set<String> scenarios, List<Contender> contenders, int repetitions,
        int largeDrainRepetitions, int steadyRepetitions,
        List<Integer> payloads, List<Long> drainCounts, List<Integer> rates, int steadySeconds,
        int steadyWarmupSeconds, int idleEvents, int partitions, int writerConnections, Path outputDirectory,
        boolean profile, List<Integer> sagaRates, List<String> sagaStarts, int sagaRestartRate, int sagaOrders) {

    static final Set<String> SCENARIOS = Set.of("drain", "steady", "idle", "saga");
    /** Orders per saga run when {@code --saga-orders} is not given: 20 s of load, within these bounds. */
    static final int SAGA_SECONDS = 20;
    static final int SAGA_MIN_ORDERS = 200;
    static final int SAGA_MAX_ORDERS = 8_000;

    static BenchOptions parse(String... args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        Set<String> scenarios = new TreeSet<>(List.of("drain", "steady", "idle"));
        List<Contender> contenders = defaultContenders();
        int reps = quick ? 1 : 3;
        Integer largeReps = null;
        Integer steadyReps = null;
        List<Integer> payloads = List.of(256, 1024);
        List<Long> drainCounts = quick ? List.of(20_000L) : List.of(100_000L, 1_000_000L);
        List<Integer> rates = quick ? List.of(500, 1_000) : List.of(500, 1_000, 5_000);
        int steadySeconds = quick ? 5 : 20;
        int warmup = quick ? 1 : 3;
        int idleEvents = quick ? 1 : 3;
        Path out = Path.of("outbox-bench", "results");
        boolean profile = false;
        List<Integer> sagaRates = quick ? List.of(50, 100) : List.of(50, 100, 200, 400, 800);
        List<String> sagaStarts = List.of(SagaSection.COLD, SagaSection.WARM);
        int sagaRestartRate = 20;
        int sagaOrders = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--quick" -> { }
                case "--profile" -> profile = true;
                case "--scenario", "--scenarios" -> scenarios = new TreeSet<>(List.of(args[++i].split(",")));
                case "--contenders" -> {
                    contenders = new ArrayList<>();
                    for (String kind : args[++i].split(",")) {
                        contenders.add(byKind(kind));
                    }
                }
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--large-drain-reps" -> largeReps = Integer.valueOf(args[++i]);
                case "--steady-reps" -> steadyReps = Integer.valueOf(args[++i]);
                case "--payloads" -> payloads = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--drain-counts" -> drainCounts = Arrays.stream(args[++i].split(",")).map(Long::valueOf).toList();
                case "--rates" -> rates = Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--steady-seconds" -> steadySeconds = Integer.parseInt(args[++i]);
                case "--idle-events" -> idleEvents = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--saga-rates" -> sagaRates = positives(arg, value(args, ++i, arg));
                case "--saga-starts" -> sagaStarts = starts(value(args, ++i, arg));
                case "--saga-restart-rate" -> sagaRestartRate = (int) nonNegative(arg, value(args, ++i, arg));
                case "--saga-orders" -> sagaOrders = positives(arg, value(args, ++i, arg)).getFirst();
                default -> throw new IllegalArgumentException("unknown argument " + arg + "\n" + usage());
            }
        }
        for (String scenario : scenarios) {
            if (!SCENARIOS.contains(scenario)) {
                throw new IllegalArgumentException("unknown scenario " + scenario + "\n" + usage());
            }
        }
        return new BenchOptions(quick, scenarios, List.copyOf(contenders), reps,
                largeReps == null ? reps : largeReps, steadyReps == null ? reps : steadyReps, payloads, drainCounts, rates,
                steadySeconds, warmup, idleEvents, 3, 8, out, profile, sagaRates, sagaStarts, sagaRestartRate,
                sagaOrders);
    }

    /** Orders for one saga run at {@code rate}: {@code --saga-orders}, else 20 s of load, 200 to 8,000. */
    int sagaOrders(int rate) {
        if (sagaOrders > 0) {
            return sagaOrders;
        }
        long orders = (long) rate * SAGA_SECONDS;
        return (int) Math.max(SAGA_MIN_ORDERS, Math.min(SAGA_MAX_ORDERS, orders));
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value\n" + usage());
        }
        return args[index];
    }

    private static long nonNegative(String flag, String value) {
        try {
            long number = Long.parseLong(value.trim());
            if (number < 0 || number > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a whole number of at least 0, was '" + value + "'");
        }
    }

    private static List<String> starts(String value) {
        List<String> starts = List.of(value.split(","));
        for (String start : starts) {
            if (!start.equals(SagaSection.COLD) && !start.equals(SagaSection.WARM)) {
                throw new IllegalArgumentException("--saga-starts takes cold, warm or both, was '" + value + "'");
            }
        }
        return starts;
    }

    private static List<Integer> positives(String flag, String value) {
        List<Integer> result = new ArrayList<>();
        for (String part : value.split(",")) {
            try {
                int number = Integer.parseInt(part.trim());
                if (number < 1) {
                    throw new NumberFormatException();
                }
                result.add(number);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " takes whole numbers of at least 1, was '" + value + "'");
            }
        }
        return List.copyOf(result);
    }

    static List<Contender> defaultContenders() {
        List<Contender> result = new ArrayList<>();
        for (Contender c : Contender.values()) {
            if (!c.ourRelay() || OurRelay.available()) {
                result.add(c);
            }
        }
        return result;
    }

    static Contender byKind(String kind) {
        for (Contender c : Contender.values()) {
            if (c.kind.equals(kind)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown contender " + kind + "; one of "
                + Arrays.stream(Contender.values()).map(c -> c.kind).toList());
    }

    /** Generous: the slowest contender (Debezium defaults) must still finish a 1M drain. */
    long drainTimeoutSeconds(long count) {
        return 60 + count / 1_000;
    }

    static String usage() {
        return "usage: java -jar outbox-bench.jar [--quick] [--scenario drain,steady,idle,saga (default: all but saga)]"
                + " [--contenders "
                + Arrays.stream(Contender.values()).map(c -> c.kind).toList()
                + "] [--reps N] [--large-drain-reps N (drains of 1M+)] [--steady-reps N (steady, idle and saga)] [--payloads 256,1024] [--drain-counts 100000,1000000] [--rates 500,1000,5000]"
                + " [--steady-seconds S] [--idle-events N] [--saga-rates 50,100,200,400,800]"
                + " [--saga-starts cold,warm (default both)]"
                + " [--saga-restart-rate R (kill -9 and restart of a service at R orders/s; default 20, 0 = none)]"
                + " [--saga-orders N (default 20 s of load per rate, 200..8000)] [--out DIR]"
                + " [--profile (JFR in every contender)]\n"
                + "   or: java -jar outbox-bench.jar --render DIR   (re-render a results directory's report)";
    }
}
