package dev.outbox.bench;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The relay's footprint, per source: process start to first event, CPU of an idle relay, resident memory, and the
 * CPU a fresh relay JVM spends draining a backlog. Every figure is the relay process's own (CPU time and RSS from
 * /proc), so a busy machine lengthens wall times but hardly changes them. Runs the shipped jar with the documented
 * settings, each case on a fresh database, slot and topic, against one lean PostgreSQL and Kafka broker.
 *
 * <pre>
 * java -cp outbox-bench/target/outbox-bench.jar dev.outbox.bench.RelayFootprint \
 *     [--jar outbox-relay/target/outbox-relay.jar] [--java "java -jar"] [--sources debezium,pgoutput] \
 *     [--idle-seconds 30] [--backlog 100000] [--label name] [--env OUTBOX_DELIVERY=exactly-once,...]
 * </pre>
 * {@code --java} is the command line before the relay's settings; the default runs the jar with this JVM.
 */
public final class RelayFootprint {

    private static final int PAD = Payloads.padFor(256);

    private final EmbeddedPostgresServer postgres;
    private final KafkaBrokerProcess kafka;
    private final List<String> javaCommand;
    private final Map<String, String> extraEnvironment;
    private int runs;

    private RelayFootprint(EmbeddedPostgresServer postgres, KafkaBrokerProcess kafka, List<String> javaCommand,
            Map<String, String> extraEnvironment) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.javaCommand = javaCommand;
        this.extraEnvironment = extraEnvironment;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String jar = options.getOrDefault("jar", OurRelay.jar().toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java")
                + (Runtime.version().feature() >= 23 ? " --sun-misc-unsafe-memory-access=allow" : "") + " -jar " + jar;
        List<String> command = List.of(options.getOrDefault("java", java).trim().split("\\s+"));
        int idleSeconds = Integer.parseInt(options.getOrDefault("idle-seconds", "30"));
        long backlog = Long.parseLong(options.getOrDefault("backlog", "100000"));
        String label = options.getOrDefault("label", "relay");
        System.out.printf("# %s: %s%n# load before: %s%n", label, String.join(" ", command), ProcStats.loadAverage());
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start();
                KafkaBrokerProcess kafka = KafkaBrokerProcess.start()) {
            Map<String, String> environment = new java.util.HashMap<>();
            for (String setting : options.getOrDefault("env", "").split(",")) {
                if (setting.contains("=")) {
                    environment.put(setting.substring(0, setting.indexOf('=')),
                            setting.substring(setting.indexOf('=') + 1));
                }
            }
            RelayFootprint footprint = new RelayFootprint(postgres, kafka, command, environment);
            for (String source : options.getOrDefault("sources", "debezium,pgoutput").split(",")) {
                footprint.measure(label, source, idleSeconds, backlog);
            }
        }
        System.out.printf("# load after: %s%n", ProcStats.loadAverage());
        System.exit(0);
    }

    private void measure(String label, String source, int idleSeconds, long backlog) throws Exception {
        String name = String.format("fp%02d_%s", ++runs, source);
        try (TestDatabase database = postgres.createDatabase(name)) {
            OutboxSchema.migrateLibrary(database.dataSource());
            kafka.createTopic("outbox.event." + name, 3, Map.of());
            // The slot exists before the first row, as the relay's own start would leave it.
            database.execute("SELECT pg_create_logical_replication_slot('bench_" + name + "', 'pgoutput')");
            insert(database, name, 1, 1);
            try (BenchConsumer consumer = new BenchConsumer(kafka.bootstrapServers(), "outbox.event." + name)) {
                long started = System.nanoTime();
                double firstEventMs;
                double startCpu;
                double idlePercent;
                double rssMb;
                try (ChildProcess relay = launch(source, name, database)) {
                    firstEventMs = awaitEvents(consumer, 1, started, relay) / 1e6;
                    startCpu = ProcStats.cpuTicks(relay.pid()).orElseThrow() / ProcStats.TICKS_PER_SECOND;
                    Thread.sleep(5_000);
                    long before = ProcStats.cpuTicks(relay.pid()).orElseThrow();
                    Map<String, Long> threadsBefore = ProcStats.threadTicks(relay.pid());
                    Thread.sleep(idleSeconds * 1000L);
                    long after = ProcStats.cpuTicks(relay.pid()).orElseThrow();
                    System.out.printf("# %s %s idle CPU by thread: %s%n", label, source,
                            busiest(threadsBefore, ProcStats.threadTicks(relay.pid())));
                    idlePercent = 100.0 * (after - before) / ProcStats.TICKS_PER_SECOND / idleSeconds;
                    rssMb = currentRssKb(relay.pid()) / 1024.0;
                    relay.terminate(300);
                }
                insert(database, name, backlog, 10);
                long drainStarted = System.nanoTime();
                double drainSeconds;
                double drainCpu;
                double drainPeakRss;
                try (ChildProcess relay = launch(source, name, database)) {
                    drainSeconds = awaitEvents(consumer, backlog + 1, drainStarted, relay) / 1e9;
                    relay.sampleOnce();
                    drainCpu = relay.childCpuSeconds();
                    drainPeakRss = relay.peakRssMb();
                    // A clean stop, as in production: a JVM training an ahead-of-time cache writes it at exit.
                    relay.terminate(300);
                }
                // label | source | start to first event ms | CPU s to first event | idle CPU % | RSS idle MB |
                // backlog | drain s | drain CPU s | drain peak RSS MB | load average
                System.out.printf("| %s | %s | %.0f | %.1f | %.1f | %.0f | %d | %.1f | %.1f | %.0f | %s |%n", label,
                        source, firstEventMs, startCpu, idlePercent, rssMb, backlog, drainSeconds, drainCpu,
                        drainPeakRss, ProcStats.loadAverage());
            }
        }
    }

    private ChildProcess launch(String source, String name, TestDatabase database) throws Exception {
        Contender contender = source.equals("pgoutput") ? Contender.OUR_RELAY_PGOUTPUT : Contender.OUR_RELAY;
        Map<String, String> env = new java.util.HashMap<>(
                OurRelay.environment(contender, name, database, kafka.bootstrapServers()));
        env.putAll(extraEnvironment);
        Path log = Files.createTempFile("relay-footprint-" + name + "-", ".log");
        return new ChildProcess(new ArrayList<>(javaCommand), env, log, null, null);
    }

    /** Nanoseconds from {@code since} until the consumer has {@code count} distinct events. */
    private static long awaitEvents(BenchConsumer consumer, long count, long since, ChildProcess relay)
            throws InterruptedException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (consumer.distinct() < count) {
            if (!relay.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the relay stopped or timed out at " + consumer.distinct()
                        + " of " + count + " events");
            }
            Thread.sleep(1);
        }
        return System.nanoTime() - since;
    }

    /** {@code rows} outbox rows in transactions of {@code perTransaction}. */
    private void insert(TestDatabase database, String aggregateType, long rows, int perTransaction)
            throws Exception {
        try (Connection c = database.dataSource().getConnection();
                PreparedStatement insert = c.prepareStatement(InsertCeiling.INSERT)) {
            c.setAutoCommit(false);
            for (long i = 0; i < rows; i++) {
                insert.setObject(1, UUID.randomUUID());
                insert.setString(2, aggregateType);
                insert.setString(3, "k" + (i % 1000));
                insert.setLong(4, 1);
                insert.setInt(5, PAD);
                insert.addBatch();
                if ((i + 1) % perTransaction == 0 || i + 1 == rows) {
                    insert.executeBatch();
                    c.commit();
                }
            }
        }
    }

    /** The threads that used the most CPU between two readings, as "name seconds" entries. */
    private static String busiest(Map<String, Long> before, Map<String, Long> after) {
        StringBuilder out = new StringBuilder();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(6)
                .forEach(e -> out.append(String.format("%s %.2f s; ", e.getKey(),
                        e.getValue() / ProcStats.TICKS_PER_SECOND)));
        return out.toString();
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
