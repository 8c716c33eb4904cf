package dev.outbox.bench;

import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Our relay (Debezium source, pgoutput source, Debezium source with the ahead-of-time cache through its launcher)
 * and the stock Debezium outbox pipeline, tuned, side by side in one run, each phase a fresh process on a fresh
 * database, slot and topic, against one durable PostgreSQL and one broker run as Kafka ships it. Per contender:
 * <ol>
 *   <li>start: one row committed, the process launched; launch → first event and the CPU spent until then; then
 *       1,000 events/s (one row per transaction) from that moment, p99 commit → consume (a fresh JVM's first
 *       minute); then a settle pause and the idle window: CPU % of one CPU, RSS, busiest threads;</li>
 *   <li>drain: the backlog committed (10-row transactions), a fresh process; events/s first → last, launch → last,
 *       CPU, peak RSS; then 5,000 events/s for a while: the highest RSS sampled and the p99;</li>
 *   <li>warm, the drain's process: more backlogs written while it is stopped, each drained once it goes on, until
 *       the JIT compilers are nearly done (events/s first → last and CPU per event of the last), then a checkpoint,
 *       a vacuum, unmeasured seconds and 1,000 events/s: the warm p99.</li>
 * </ol>
 * CPU time and RSS are the process's own, from /proc, so a busy machine lengthens wall times far more than them.
 * Writes {@code RELAY-FOOTPRINT.md} and the processes' logs into {@code --out}.
 *
 * <pre>
 * java -cp outbox-bench/target/outbox-bench.jar dev.outbox.bench.RelayFootprint --out DIR \
 *     [--contenders debezium,pgoutput,debezium-aot,stock-tuned] [--jar outbox-relay/target/outbox-relay.jar] \
 *     [--launcher outbox-relay/bin/outbox-relay] [--aot-cache <jar's directory>/outbox-relay-footprint.aot] \
 *     [--relay-jvm "options"] [--profile-warm-drains DIR (a flight recording of the warm drains but the first)] \
 *     [--backlog 100000] [--idle-seconds 30] [--steady-seconds 20] [--rss-seconds 10] [--warm-drains 8] \
 *     [--warm-unmeasured-seconds 10]
 * </pre>
 */
public final class RelayFootprint {

    /** The relay's documented JVM options for {@code java -jar}, the launcher's defaults (RELAY_MEMORY_OPTS). */
    static final String RELAY_JVM_OPTIONS = "-XX:+UseSerialGC -Xmx128m -XX:MetaspaceSize=64m -XX:+ExitOnOutOfMemoryError";

    private static final long SETTLE_MILLIS = 3_000;

    /** A process counts as warm once its JIT compilers use less than this part of a drain's CPU. */
    private static final double WARM_COMPILER_SHARE = 0.05;

    private final FootprintDatabases databases;
    private final FootprintLauncher launcher;
    private final Map<String, String> options;
    private int runs;

    private RelayFootprint(FootprintDatabases databases, FootprintLauncher launcher, Map<String, String> options) {
        this.databases = databases;
        this.launcher = launcher;
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = MainOptions.parse(args);
        Path out = Path.of(options.getOrDefault("out", "outbox-bench/results/footprint"));
        Files.createDirectories(out.resolve("logs"));
        List<FootprintContender> contenders = FootprintContender.parse(
                options.getOrDefault("contenders", "debezium,pgoutput,debezium-aot,stock-tuned"));
        String relayJvm = options.getOrDefault("relay-jvm", RELAY_JVM_OPTIONS);
        String loadBefore = ProcStats.loadAverage();
        long started = System.nanoTime();
        List<FootprintFigures> figures = new ArrayList<>();
        double decodeCeiling;
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        EmbeddedPostgresServer.Options.defaults().withDurable(true));
                KafkaBrokerProcess kafka = KafkaBrokerProcess.startAsShipped()) {
            FootprintLauncher launcher = FootprintLauncher.fromOptions(options, relayJvm, kafka.bootstrapServers(),
                    out.resolve("logs"));
            FootprintDatabases databases = new FootprintDatabases(postgres, kafka);
            if (contenders.contains(FootprintContender.RELAY_DEBEZIUM_AOT)) {
                launcher.trainCacheIfMissing(databases, 5);
            }
            RelayFootprint footprint = new RelayFootprint(databases, launcher, options);
            for (FootprintContender contender : contenders) {
                FootprintFigures row = footprint.measure(contender);
                figures.add(row);
                System.out.println("# " + row);
            }
            decodeCeiling = footprint.decodeCeiling();
            System.out.printf("# pgoutput decode ceiling: %,.0f events/s%n", decodeCeiling);
        }
        String report = FootprintReport.markdown(figures, new FootprintReport.Run(relayJvm, loadBefore,
                ProcStats.loadAverage(), (System.nanoTime() - started) / 1e9, intOption(options, "backlog", 100_000),
                intOption(options, "idle-seconds", 30), decodeCeiling));
        Files.writeString(out.resolve("RELAY-FOOTPRINT.md"), report);
        System.out.println(report);
        System.exit(0);
    }

    private static int intOption(Map<String, String> options, String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
    }

    private FootprintFigures measure(FootprintContender contender) throws Exception {
        StartPhase start = startPhase(contender);
        DrainPhase drain = drainPhase(contender);
        return new FootprintFigures(contender, start.firstEventMs, start.cpuToFirstEventS, start.p99At1000Ms,
                start.idleCpuPercent, start.idleRssMb, start.idleThreads, drain.eventsPerSecond, drain.fromLaunchS,
                drain.cpuS, drain.peakRssMb, drain.threads, drain.p99At5000Ms, drain.rssAt5000Mb,
                drain.warm.drainEventsPerSecond, drain.warm.drainCpuMicrosPerEvent, drain.warm.drainThreads,
                drain.warm.p99At1000Ms, ProcStats.loadAverage());
    }

    private record StartPhase(double firstEventMs, double cpuToFirstEventS, double p99At1000Ms,
            double idleCpuPercent, double idleRssMb, String idleThreads) {
    }

    private record DrainPhase(double eventsPerSecond, double fromLaunchS, double cpuS, double peakRssMb,
            String threads, double p99At5000Ms, double rssAt5000Mb, WarmPhase warm) {
    }

    private record WarmPhase(double drainEventsPerSecond, double drainCpuMicrosPerEvent, String drainThreads,
            double p99At1000Ms) {
    }

    private StartPhase startPhase(FootprintContender contender) throws Exception {
        String name = String.format("fp%02d_%s_start", ++runs, contender.key.replace('-', '_'));
        int idleSeconds = intOption(options, "idle-seconds", 30);
        try (TestDatabase database = databases.create(name)) {
            databases.insert(database, name, 1, 1);
            try (BenchConsumer consumer = databases.consumer(name)) {
                long launched = System.nanoTime();
                try (ChildProcess process = launcher.start(contender, name, database)) {
                    double firstEventMs = awaitEvents(consumer, 1, launched, process) / 1e6;
                    double cpuToFirst = cpuSeconds(process.pid());
                    SteadyWriter writer = new SteadyWriter(database, name, 1_000,
                            intOption(options, "steady-seconds", 20));
                    consumer.measureFrom(writer.firstIntendedMicros());
                    writer.run();
                    double p99 = awaitMeasured(consumer, writer.total(), process);
                    System.out.printf("# %s, 1,000 events/s after the first event: worst ms by second: %s%n",
                            contender.label, consumer.worstMillisBySecond());
                    Thread.sleep(SETTLE_MILLIS);
                    long before = ProcStats.cpuTicks(process.pid()).orElseThrow();
                    Map<String, Long> threadsBefore = ProcStats.threadTicks(process.pid());
                    Thread.sleep(idleSeconds * 1000L);
                    long after = ProcStats.cpuTicks(process.pid()).orElseThrow();
                    String threads = busiest(threadsBefore, ProcStats.threadTicks(process.pid()));
                    double idlePercent = 100.0 * (after - before) / ProcStats.TICKS_PER_SECOND / idleSeconds;
                    double rssMb = currentRssKb(process.pid()) / 1024.0;
                    // Killed, as BenchMain's contenders are: a graceful stop would only lengthen the run.
                    return new StartPhase(firstEventMs, cpuToFirst, p99, idlePercent, rssMb, threads);
                }
            }
        }
    }

    private DrainPhase drainPhase(FootprintContender contender) throws Exception {
        String name = String.format("fp%02d_%s_drain", ++runs, contender.key.replace('-', '_'));
        long backlog = intOption(options, "backlog", 100_000);
        try (TestDatabase database = databases.create(name)) {
            databases.insert(database, name, backlog, 10);
            try (BenchConsumer consumer = databases.consumer(name)) {
                long launched = System.nanoTime();
                try (ChildProcess process = launcher.start(contender, name, database)) {
                    double fromLaunch = awaitEvents(consumer, backlog, launched, process) / 1e9;
                    double eventsPerSecond = (backlog - 1) / ((consumer.lastMicros() - consumer.firstMicros()) / 1e6);
                    process.sampleOnce();
                    double cpu = cpuSeconds(process.pid());
                    double peakRss = process.peakRssMb();
                    String threads = busiestPerEvent(Map.of(), ProcStats.threadTicks(process.pid()), backlog);
                    SteadyWriter writer = new SteadyWriter(database, name, 5_000,
                            intOption(options, "rss-seconds", 10));
                    consumer.measureFrom(writer.firstIntendedMicros());
                    double rssAt5000 = writeSamplingRss(writer, process) / 1024.0;
                    double p99 = awaitMeasured(consumer, writer.total(), process);
                    WarmPhase warm = warmPhase(database, name, consumer, process);
                    return new DrainPhase(eventsPerSecond, fromLaunch, cpu, peakRss, threads, p99, rssAt5000, warm);
                }
            }
        }
    }

    /**
     * The same process, warmed by the cold drain and the 5,000 events/s phase: more backlogs, each written while the
     * process is stopped (SIGSTOP, so that the backlog waits in the slot as after an outage) and drained once it goes
     * on (SIGCONT), until the JIT compilers use less than {@link #WARM_COMPILER_SHARE} of a drain's CPU (at least two
     * drains, at most {@code warm-drains}); the last drain's events/s first → last and CPU per event count. Then
     * 1,000 events/s for {@code steady-seconds}: the warm p99, after a checkpoint, a vacuum of the outbox and
     * {@code warm-unmeasured-seconds} (10) at that rate.
     */
    private WarmPhase warmPhase(TestDatabase database, String name, BenchConsumer consumer, ChildProcess process)
            throws Exception {
        int mostDrains = intOption(options, "warm-drains", 8);
        Path recording = options.containsKey("profile-warm-drains")
                ? Path.of(options.get("profile-warm-drains"), name + ".jfr").toAbsolutePath() : null;
        WarmDrain drain = WarmDrain.NONE;
        for (int i = 1; i <= mostDrains && (i <= 2 || drain.compilerShare >= WARM_COMPILER_SHARE); i++) {
            // The first warm drain still compiles; the recording covers the ones after it.
            if (recording != null && i == Math.min(2, mostDrains)) {
                jcmd(process, "JFR.start", "name=warm-drains", "settings=profile");
            }
            drain = warmDrain(database, name, consumer, process, i);
        }
        if (recording != null && mostDrains > 0) {
            jcmd(process, "JFR.stop", "name=warm-drains", "filename=" + recording);
            System.out.println("# the warm drains' flight recording: " + recording);
        }
        // Measured as the relay's warm benchmark measures: after the backlogs are checkpointed and vacuumed and after
        // unmeasured seconds at the same rate (a fresh window otherwise holds the broker's and the database's own
        // aftermath of the drains).
        databases.settleAfterBacklogs(database);
        new SteadyWriter(database, name, 1_000, intOption(options, "warm-unmeasured-seconds", 10)).run();
        SteadyWriter writer = new SteadyWriter(database, name, 1_000, intOption(options, "steady-seconds", 20));
        consumer.restartMeasurement(writer.firstIntendedMicros());
        Map<String, Long> threadsBefore = ProcStats.threadTicks(process.pid());
        writer.run();
        double p99 = awaitMeasured(consumer, writer.total(), process);
        System.out.printf(Locale.ROOT, "# 1,000 events/s, warm: CPU per event %s%n",
                busiestPerEvent(threadsBefore, ProcStats.threadTicks(process.pid()), writer.total()));
        return new WarmPhase(drain.eventsPerSecond, drain.cpuMicrosPerEvent, drain.describe(), p99);
    }

    /** One warm drain: events/s first → last, the process's CPU per event, its threads and the compilers' share. */
    private record WarmDrain(int number, double eventsPerSecond, double cpuMicrosPerEvent, String threads,
            double compilerShare) {

        /** What {@code --warm-drains 0} leaves: no figures. */
        static final WarmDrain NONE = new WarmDrain(0, Double.NaN, Double.NaN, "", Double.NaN);

        String describe() {
            if (number == 0) {
                return "(no warm drain)";
            }
            return String.format(Locale.ROOT, "(drain %d, the JIT compilers %.0f %% of its CPU) %s", number,
                    100 * compilerShare, threads);
        }
    }

    private WarmDrain warmDrain(TestDatabase database, String name, BenchConsumer consumer, ChildProcess process,
            int number) throws Exception {
        long backlog = intOption(options, "backlog", 100_000);
        long expected = consumer.distinct() + backlog;
        signal(process, "STOP");
        double cpuBefore;
        Map<String, Long> threadsBefore;
        try {
            databases.insert(database, name, backlog, 10);
            consumer.markWindow();
            cpuBefore = cpuSeconds(process.pid());
            threadsBefore = ProcStats.threadTicks(process.pid());
        } finally {
            signal(process, "CONT");
        }
        awaitEvents(consumer, expected, System.nanoTime(), process);
        Map<String, Long> threadsAfter = ProcStats.threadTicks(process.pid());
        double eventsPerSecond = (backlog - 1) / ((consumer.lastMicros() - consumer.windowFirstMicros()) / 1e6);
        double cpuMicrosPerEvent = (cpuSeconds(process.pid()) - cpuBefore) * 1e6 / backlog;
        WarmDrain drain = new WarmDrain(number, eventsPerSecond, cpuMicrosPerEvent,
                busiestPerEvent(threadsBefore, threadsAfter, backlog), compilerShare(threadsBefore, threadsAfter));
        System.out.printf(Locale.ROOT, "# warm drain: %,.0f events/s, %.1f µs of CPU per event %s%n",
                eventsPerSecond, cpuMicrosPerEvent, drain.describe());
        return drain;
    }

    /** The JIT compiler threads' part of all the CPU the process's threads used between two readings. */
    private static double compilerShare(Map<String, Long> before, Map<String, Long> after) {
        long all = 0;
        long compilers = 0;
        for (Map.Entry<String, Long> thread : after.entrySet()) {
            long used = thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
            all += used;
            compilers += thread.getKey().contains("CompilerThre") ? used : 0;
        }
        return all == 0 ? 0 : (double) compilers / all;
    }

    /** Runs a diagnostic command of the JDK this driver runs on against the contender's JVM. */
    private static void jcmd(ChildProcess process, String... command) throws Exception {
        Path jcmdPath = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        List<String> line = new ArrayList<>(List.of(jcmdPath.toString(), Long.toString(process.pid())));
        line.addAll(List.of(command));
        Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(jcmd.getInputStream().readAllBytes());
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", line) + " failed: " + output);
        }
    }

    private static void signal(ChildProcess process, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /**
     * The machine's ceiling for any relay reading the slot: PostgreSQL decoding the backlog with pgoutput into a JVM
     * that only counts the Insert messages (fresh database, slot and process; the faster of two runs).
     */
    private double decodeCeiling() throws Exception {
        long backlog = intOption(options, "backlog", 100_000);
        double best = Double.NaN;
        for (int i = 0; i < 2; i++) {
            String name = String.format("fp%02d_decode_ceiling", ++runs);
            try (TestDatabase database = databases.create(name)) {
                databases.insert(database, name, backlog, 10);
                try (ChildProcess process = launcher.decodeCeiling(name, database, backlog)) {
                    String line = process.awaitResult(600);
                    if (line == null) {
                        throw new IllegalStateException("the decode ceiling gave no result; see logs/" + name + ".log");
                    }
                    Map<String, String> fields = BenchMain.parseResult(line);
                    double seconds = (Long.parseLong(fields.get("endMicros"))
                            - Long.parseLong(fields.get("startMicros"))) / 1e6;
                    double eventsPerSecond = (backlog - 1) / seconds;
                    best = Double.isNaN(best) ? eventsPerSecond : Math.max(best, eventsPerSecond);
                }
            }
        }
        return best;
    }

    /** Runs the writer, sampling the process's resident memory every 200 ms; returns the highest, in KB. */
    private static long writeSamplingRss(SteadyWriter writer, ChildProcess process) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long highest = 0;
        try {
            List<Future<?>> writers = writer.start(pool);
            while (writers.stream().anyMatch(w -> !w.isDone())) {
                highest = Math.max(highest, currentRssKb(process.pid()));
                Thread.sleep(200);
            }
            for (Future<?> w : writers) {
                w.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return Math.max(highest, currentRssKb(process.pid()));
    }

    /** Nanoseconds from {@code since} until the consumer has {@code count} distinct events. */
    static long awaitEvents(BenchConsumer consumer, long count, long since, ChildProcess process)
            throws InterruptedException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (consumer.distinct() < count) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the contender stopped or timed out at " + consumer.distinct()
                        + " of " + count + " events");
            }
            Thread.sleep(1);
        }
        return System.nanoTime() - since;
    }

    /** Waits for {@code count} measured events and returns their commit → consume p99 in ms. */
    private static double awaitMeasured(BenchConsumer consumer, long count, ChildProcess process)
            throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (consumer.measured() < count && process.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        if (consumer.measured() < count) {
            throw new IllegalStateException(consumer.measured() + " of " + count + " measured events arrived");
        }
        Histogram histogram = consumer.fromCommit();
        return histogram.getValueAtPercentile(99) / 1e3;
    }

    private static double cpuSeconds(long pid) {
        return ProcStats.cpuTicks(pid).orElseThrow() / ProcStats.TICKS_PER_SECOND;
    }

    /** The threads that used the most CPU between two readings, as "name seconds" entries. */
    private static String busiest(Map<String, Long> before, Map<String, Long> after) {
        StringBuilder out = new StringBuilder();
        busiestTicks(before, after, 5).forEach(e -> out.append(String.format("%s %.2f s; ", e.getKey(),
                e.getValue() / ProcStats.TICKS_PER_SECOND)));
        return out.toString().trim();
    }

    /**
     * The threads that used the most CPU between two readings, as "name µs" of CPU per event of the drain between
     * them, then what all the other threads used together.
     */
    private static String busiestPerEvent(Map<String, Long> before, Map<String, Long> after, long events) {
        double microsPerTick = 1e6 / ProcStats.TICKS_PER_SECOND / events;
        StringBuilder out = new StringBuilder();
        List<Map.Entry<String, Long>> threads = busiestTicks(before, after, Integer.MAX_VALUE);
        List<Map.Entry<String, Long>> busiest = threads.subList(0, Math.min(6, threads.size()));
        busiest.forEach(e -> out.append(String.format(Locale.ROOT, "%s %.1f µs; ", e.getKey(),
                e.getValue() * microsPerTick)));
        long all = threads.stream().mapToLong(Map.Entry::getValue).sum();
        long shown = busiest.stream().mapToLong(Map.Entry::getValue).sum();
        out.append(String.format(Locale.ROOT, "the other threads %.1f µs", (all - shown) * microsPerTick));
        return out.toString();
    }

    private static List<Map.Entry<String, Long>> busiestTicks(Map<String, Long> before, Map<String, Long> after,
            int limit) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey().trim(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(limit)
                .toList();
    }

    private static long currentRssKb(long pid) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
