package dev.outbox.bench;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark driver. Starts one durable PostgreSQL (fsync on) and one Kafka broker in its own JVM, then runs
 * every contender in its own child JVM against them, repetitions interleaved (A B C A B C ...), each run on a fresh
 * database, slot and topic, and writes a markdown report, charts and the raw samples.
 */
public final class BenchMain {

    private static final Logger log = LoggerFactory.getLogger(BenchMain.class);

    private final BenchOptions options;
    private final Results results = new Results();
    private EmbeddedPostgresServer postgres;
    private KafkaBrokerProcess kafka;
    private int runCounter;

    private BenchMain(BenchOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--render")) {
            // Renders REPORT.md and the charts again from a results directory's stored samples.
            Path directory = Path.of(args[1]);
            Report.write(directory, Results.load(directory),
                    Report.Environment.load(directory.resolve("environment.properties")));
            System.exit(0);
        }
        BenchOptions options = BenchOptions.parse(args);
        new BenchMain(options).run();
        System.exit(0);
    }

    private void run() throws Exception {
        Files.createDirectories(options.outputDirectory());
        Files.createDirectories(options.outputDirectory().resolve("logs"));
        String loadBefore = ProcStats.loadAverage();
        Instant started = Instant.now();
        log.info("load average before: {}; plan: {}", loadBefore, options);
        // Taken once, at the start: the jar in use and the relay's last commit at that moment.
        this.relayDescription = options.scenarios().equals(Set.of("saga"))
                ? "not measured alone (saga only: the sandbox runs the relay classes its jar was built with)"
                : OurRelay.describe(options.contenders());
        this.started = started;
        this.loadBefore = loadBefore;
        this.pgVersion = "not started (saga only: each sandbox runs its own, durable)";
        boolean shared = options.scenarios().stream().anyMatch(s -> !s.equals("saga"));
        if (shared) {
            sharedServers();
        }
        try {
            // Small drains, steady, idle, then the large drains: a run cut short still has every scenario.
            if (options.scenarios().contains("drain")) {
                drains(false);
            }
            if (options.scenarios().contains("steady")) {
                for (int payload : options.payloads()) {
                    for (int rate : options.rates()) {
                        for (int rep = 1; rep <= options.steadyRepetitions(); rep++) {
                            for (Contender contender : relays()) {
                                steady(contender, payload, rate, rep);
                                writeReport();
                            }
                        }
                    }
                }
            }
            if (options.scenarios().contains("idle")) {
                for (int rep = 1; rep <= options.steadyRepetitions(); rep++) {
                    for (Contender contender : relays()) {
                        idle(contender, options.payloads().getFirst(), rep);
                        writeReport();
                    }
                }
            }
            if (options.scenarios().contains("drain")) {
                drains(true);
            }
        } finally {
            if (shared) {
                kafka.close();
                postgres.close();
            }
        }
        if (options.scenarios().contains("saga")) {
            // Last, with the shared servers stopped: each sandbox brings its own PostgreSQL and Kafka.
            SagaRuns sagas = new SagaRuns(options, results);
            for (int rep = 1; rep <= options.steadyRepetitions(); rep++) {
                for (int rate : options.sagaRates()) {
                    for (String start : options.sagaStarts()) {
                        sagas.saga(rate, start, rep, ++runCounter);
                        writeReport();
                    }
                }
                if (options.sagaRestartRate() > 0) {
                    sagas.restart(options.sagaRestartRate(), rep, ++runCounter);
                    writeReport();
                }
            }
        }
        writeReport();
        log.info("report written to {}", options.outputDirectory().resolve("REPORT.md"));
    }

    private void sharedServers() throws Exception {
        postgres = EmbeddedPostgresServer.start(EmbeddedPostgresServer.Options.defaults().withDurable(true));
        kafka = KafkaBrokerProcess.startAsShipped();
        try (Connection c = driverConnection("postgres"); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT version(), current_setting('fsync'), "
                        + "current_setting('synchronous_commit'), current_setting('full_page_writes')")) {
            rs.next();
            pgVersion = rs.getString(1) + "; fsync=" + rs.getString(2) + ", synchronous_commit=" + rs.getString(3)
                    + ", full_page_writes=" + rs.getString(4);
        }
    }

    private Instant started;
    private String loadBefore;
    private String pgVersion;
    private String relayDescription;

    private void drains(boolean large) throws Exception {
        // Drains of 1M rows and more run with the first payload size only: each costs minutes per contender.
        List<Integer> payloads = large ? List.of(options.payloads().getFirst()) : options.payloads();
        for (int payload : payloads) {
            for (long count : options.drainCounts()) {
                if ((count >= LARGE) != large) {
                    continue;
                }
                int reps = large ? options.largeDrainRepetitions() : options.repetitions();
                for (int rep = 1; rep <= reps; rep++) {
                    for (Contender contender : options.contenders()) {
                        if (large && contender == Contender.INSERT_1ROW) {
                            // Its rate does not depend on a backlog; 1M single-row commits would take minutes.
                            continue;
                        }
                        drain(contender, payload, count, rep);
                        writeReport();
                    }
                }
            }
        }
    }

    static final long LARGE = 1_000_000;

    /** Rewritten after every run, so a run stopped early still leaves a report of what it measured. */
    private void writeReport() throws Exception {
        Report.Environment environment = new Report.Environment(started, Instant.now(), loadBefore,
                ProcStats.loadAverage(), pgVersion, options.toString(), Report.machine(), relayDescription);
        Files.writeString(options.outputDirectory().resolve("samples.csv"), results.csv());
        // Everything the report is made of, so that it can be rendered again without re-running (--render).
        Files.writeString(options.outputDirectory().resolve("failures.txt"),
                String.join("\n", results.failures()) + (results.failures().isEmpty() ? "" : "\n"));
        StringBuilder hot = new StringBuilder();
        results.hotThreads().forEach((k, v) -> hot.append(k).append('\t').append(v).append('\n'));
        Files.writeString(options.outputDirectory().resolve("hot-threads.tsv"), hot.toString());
        environment.store(options.outputDirectory().resolve("environment.properties"));
        Report.write(options.outputDirectory(), results, environment);
    }
    private List<Contender> relays() {
        return options.contenders().stream().filter(c -> c.role == Contender.Role.RELAY).toList();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Scenarios

    private void drain(Contender contender, int payload, long count, int rep) throws Exception {
        String variant = payloadLabel(payload) + " x " + count;
        try (Run run = newRun(contender)) {
            if (contender.needsBacklog()) {
                long t0 = System.nanoTime();
                run.insertBacklog(count, Payloads.padFor(payload));
                log.info("{}: backlog of {} rows committed in {} ms", run.name, count,
                        (System.nanoTime() - t0) / 1_000_000);
            }
            BenchConsumer consumer = contender.consumerTimed() ? run.consumer() : null;
            long launchedMicros = Clock.nowMicros();
            try (ChildProcess child = run.launch(Map.of("count", Long.toString(count),
                    "pad", Integer.toString(Payloads.padFor(payload))))) {
                long deadline = System.nanoTime() + options.drainTimeoutSeconds(count) * 1_000_000_000L;
                double eventsPerSecond;
                if (consumer != null) {
                    while (consumer.distinct() < count && System.nanoTime() < deadline && child.isAlive()) {
                        Thread.sleep(20);
                    }
                    child.sampleOnce();
                    if (consumer.distinct() < count) {
                        results.fail(String.format("drain %s %s rep %d: %d of %d events seen (%s)", variant,
                                contender.label, rep, consumer.distinct(), count,
                                child.isAlive() ? "timed out" : "contender exited, see logs/" + run.name + ".log"));
                        return;
                    }
                    double seconds = (consumer.lastMicros() - consumer.firstMicros()) / 1e6;
                    eventsPerSecond = (count - 1) / Math.max(seconds, 1e-6);
                    results.add("drain", variant, contender.label, rep, "startup_s",
                            (consumer.firstMicros() - launchedMicros) / 1e6);
                    results.add("drain", variant, contender.label, rep, "duplicates", consumer.duplicates());
                } else {
                    String line = child.awaitResult(options.drainTimeoutSeconds(count));
                    child.sampleOnce();
                    if (line == null) {
                        results.fail(String.format("drain %s %s rep %d: no result (see logs/%s.log)", variant,
                                contender.label, rep, run.name));
                        return;
                    }
                    Map<String, String> fields = parseResult(line);
                    double seconds = (Long.parseLong(fields.get("endMicros"))
                            - Long.parseLong(fields.get("startMicros"))) / 1e6;
                    eventsPerSecond = count / Math.max(seconds, 1e-6);
                }
                results.add("drain", variant, contender.label, rep, "events_per_s", eventsPerSecond);
                results.add("drain", variant, contender.label, rep, "cpu_s_per_M_process",
                        child.childCpuSeconds() / count * 1e6);
                results.add("drain", variant, contender.label, rep, "cpu_s_per_M_pg_backend",
                        child.backendCpuSeconds() / count * 1e6);
                results.add("drain", variant, contender.label, rep, "peak_rss_mb", child.peakRssMb());
                results.hotThreads(contender.label + ", drain " + variant, child.hottestThreads(6));
                if (options.profile()) {
                    child.dumpFlightRecording(options.outputDirectory().resolve("logs/" + run.name + ".jfr"));
                }
                log.info("drain {} {} rep {}: {} events/s, cpu {} s + pg {} s, rss {} MB", variant,
                        contender.label, rep, Math.round(eventsPerSecond), child.childCpuSeconds(),
                        child.backendCpuSeconds(), Math.round(child.peakRssMb()));
            } finally {
                if (consumer != null) {
                    consumer.close();
                }
            }
        }
    }

    private void steady(Contender contender, int payload, int rate, int rep) throws Exception {
        String variant = rate + "/s @ " + payloadLabel(payload);
        int pad = Payloads.padFor(payload);
        try (Run run = newRun(contender); BenchConsumer consumer = run.consumer();
                ChildProcess child = run.launch(Map.of())) {
            if (!run.awaitReady(consumer, child, pad)) {
                results.fail(String.format("steady %s %s rep %d: never delivered a warm-up event", variant,
                        contender.label, rep));
                return;
            }
            long total = (long) rate * options.steadySeconds();
            long warmupEvents = (long) rate * options.steadyWarmupSeconds();
            OpenLoopSchedule schedule =
                    new OpenLoopSchedule(Clock.nowMicros() + 200_000, rate, warmupEvents + total);
            // Events of the warm-up seconds are delivered but not measured (JIT, connection pools, batches).
            consumer.measureFrom(schedule.intendedMicros(warmupEvents));
            long writeStart = Clock.nowMicros();
            run.openLoopWrite(schedule, pad, options.writerConnections());
            double achieved = total / ((Clock.nowMicros() - schedule.intendedMicros(warmupEvents)) / 1e6);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (consumer.measured() < total && System.nanoTime() < deadline && child.isAlive()) {
                Thread.sleep(20);
            }
            if (consumer.measured() < total) {
                results.fail(String.format("steady %s %s rep %d: %d of %d measured events seen", variant,
                        contender.label, rep, consumer.measured(), total));
                return;
            }
            Histogram commit = consumer.fromCommit();
            Histogram scheduled = consumer.fromSchedule();
            record("steady", variant, contender, rep, "commit_p50_ms", commit.getValueAtPercentile(50) / 1e3);
            record("steady", variant, contender, rep, "commit_p99_ms", commit.getValueAtPercentile(99) / 1e3);
            record("steady", variant, contender, rep, "commit_p999_ms", commit.getValueAtPercentile(99.9) / 1e3);
            record("steady", variant, contender, rep, "commit_max_ms", commit.getMaxValue() / 1e3);
            record("steady", variant, contender, rep, "intended_p99_ms", scheduled.getValueAtPercentile(99) / 1e3);
            record("steady", variant, contender, rep, "intended_max_ms", scheduled.getMaxValue() / 1e3);
            record("steady", variant, contender, rep, "achieved_write_rate", achieved);
            if (options.profile()) {
                child.dumpFlightRecording(options.outputDirectory().resolve("logs/" + run.name + ".jfr"));
            }
            log.info("steady {} {} rep {}: p50 {} ms p99 {} ms p99.9 {} ms max {} ms (written at {}/s, {} s)",
                    variant, contender.label, rep, commit.getValueAtPercentile(50) / 1e3,
                    commit.getValueAtPercentile(99) / 1e3, commit.getValueAtPercentile(99.9) / 1e3,
                    commit.getMaxValue() / 1e3, Math.round(achieved), (Clock.nowMicros() - writeStart) / 1e6);
        }
    }

    private void idle(Contender contender, int payload, int rep) throws Exception {
        int pad = Payloads.padFor(payload);
        try (Run run = newRun(contender); BenchConsumer consumer = run.consumer();
                ChildProcess child = run.launch(Map.of())) {
            if (!run.awaitReady(consumer, child, pad)) {
                results.fail(String.format("idle %s rep %d: never delivered a warm-up event", contender.label, rep));
                return;
            }
            for (int i = 0; i < options.idleEvents(); i++) {
                // 10 s of silence: nothing is written, so pollers back off and CDC batches run dry.
                Clock.sleepUntilMicros(Clock.nowMicros() + 10_000_000);
                long before = consumer.distinct();
                run.insertOne(Clock.nowMicros(), pad);
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (consumer.distinct() == before && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                if (consumer.distinct() == before) {
                    results.fail(String.format("idle %s rep %d: event %d not delivered in 30 s", contender.label,
                            rep, i));
                    return;
                }
                double ms = consumer.lastCommitLatencyMicros() / 1e3;
                record("idle", "after 10 s idle", contender, rep, "latency_ms", ms);
                log.info("idle {} rep {} event {}: {} ms", contender.label, rep, i, ms);
            }
        }
    }

    private void record(String scenario, String variant, Contender contender, int rep, String metric, double v) {
        results.add(scenario, variant, contender.label, rep, metric, v);
    }

    static String payloadLabel(int payload) {
        return payload >= 1024 ? (payload / 1024) + " KB" : payload + " B";
    }

    static Map<String, String> parseResult(String line) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : line.substring("RESULT ".length()).split(" ")) {
            int eq = part.indexOf('=');
            fields.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return fields;
    }

    // ---------------------------------------------------------------------------------------------------------
    // One run: a fresh database, slot and topic for one contender

    private Connection driverConnection(String database) throws Exception {
        Properties p = new Properties();
        p.put("user", postgres.user());
        p.put("password", postgres.password());
        p.put("ApplicationName", "bench-driver");
        p.put("reWriteBatchedInserts", "true");
        return DriverManager.getConnection(
                "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/" + database, p);
    }

    private Run newRun(Contender contender) throws Exception {
        runCounter++;
        String name = String.format("r%03d_%s", runCounter, contender.kind.replace('-', '_'));
        return new Run(name, contender);
    }

    private final class Run implements AutoCloseable {
        final String name;
        final Contender contender;
        final TestDatabase database;
        final String aggregateType;
        final String topic;
        final String slot;
        final Connection monitor;

        Run(String name, Contender contender) throws Exception {
            this.name = name;
            this.contender = contender;
            this.database = postgres.createDatabase(name);
            this.aggregateType = name;
            this.topic = "outbox.event." + aggregateType;
            this.slot = "bench_" + name;
            OutboxSchema.migrateLibrary(database.dataSource());
            kafka.createTopic(topic, options.partitions());
            if (contender.needsSlot) {
                database.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
            }
            monitor = driverConnection("postgres");
        }

        void insertBacklog(long count, int pad) throws Exception {
            try (Connection c = driverConnection(database.name())) {
                c.setAutoCommit(false);
                try (PreparedStatement insert = c.prepareStatement(
                        "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) "
                                + "SELECT gen_random_uuid(), ?, 'k' || (g % 1000), 'BenchEvent', "
                                + "jsonb_build_object('s', 0, 't', (extract(epoch from clock_timestamp()) "
                                + "* 1000000)::bigint, 'pad', repeat('x', ?)) FROM generate_series(1, ?) g")) {
                    // Transactions of 1,000 rows: a busy service commits many small transactions, not one huge one.
                    for (long done = 0; done < count; done += 1_000) {
                        insert.setString(1, aggregateType);
                        insert.setInt(2, pad);
                        insert.setLong(3, Math.min(1_000, count - done));
                        insert.executeUpdate();
                        c.commit();
                    }
                }
                c.setAutoCommit(true);
                try (Statement s = c.createStatement()) {
                    // Every contender starts from the same state: nothing left for a checkpoint to write.
                    s.execute("CHECKPOINT");
                }
            }
        }

        void insertOne(long intendedMicros, int pad) throws Exception {
            try (Connection c = driverConnection(database.name());
                    PreparedStatement insert = c.prepareStatement(InsertCeiling.INSERT)) {
                insert.setObject(1, UUID.randomUUID());
                insert.setString(2, aggregateType);
                insert.setString(3, "k0");
                insert.setLong(4, intendedMicros);
                insert.setInt(5, pad);
                insert.executeUpdate();
            }
        }

        BenchConsumer consumer() {
            return new BenchConsumer(kafka.bootstrapServers(), topic);
        }

        ChildProcess launch(Map<String, String> extra) {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("dbUrl", database.jdbcUrl());
            settings.put("dbHost", database.host());
            settings.put("dbPort", Integer.toString(database.port()));
            settings.put("dbName", database.name());
            settings.put("dbUser", database.user());
            settings.put("dbPassword", database.password());
            settings.put("bootstrap", kafka.bootstrapServers());
            settings.put("slot", slot);
            settings.put("aggregateType", aggregateType);
            settings.put("batchSize", "2000");
            settings.put("pollMillis", "5");
            settings.put("connections", "4");
            settings.put("rowsPerTx", "500");
            settings.putAll(extra);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-Xms256m"));
            if (Runtime.version().feature() >= 23) {
                command.add("--sun-misc-unsafe-memory-access=allow");
            }
            if (options.profile()) {
                // Java Flight Recorder's method sampling: where the contender's threads spend their time.
                command.add("-XX:StartFlightRecording=settings=profile,filename="
                        + options.outputDirectory().resolve("logs/" + name + ".jfr").toAbsolutePath()
                        + ",dumponexit=true");
            }
            if (contender.ourRelay()) {
                // As shipped: its own jar, settings only through the documented OUTBOX_* variables.
                command.addAll(List.of("-jar", OurRelay.jar().toString()));
                return new ChildProcess(command,
                        OurRelay.environment(contender, name, database, kafka.bootstrapServers()),
                        options.outputDirectory().resolve("logs/" + name + ".log"), monitor, database.name());
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), ContenderMain.class.getName(),
                    contender.kind));
            settings.forEach((k, v) -> command.add(k + "=" + v));
            return new ChildProcess(command, Map.of(), options.outputDirectory().resolve("logs/" + name + ".log"),
                    monitor, database.name());
        }

        /**
         * Readiness the way a user would see it: warm-up events (intended time 1, never measured) are written
         * every 100 ms until one reaches the consumer, so a contender that misses commits made while it starts
         * is not measured before it streams.
         */
        boolean awaitReady(BenchConsumer consumer, ChildProcess child, int pad) throws Exception {
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (consumer.distinct() == 0 && System.nanoTime() < deadline && child.isAlive()) {
                insertOne(1, pad);
                long next = System.nanoTime() + 100_000_000L;
                while (consumer.distinct() == 0 && System.nanoTime() < next) {
                    Thread.sleep(5);
                }
            }
            return consumer.distinct() > 0;
        }

        void openLoopWrite(OpenLoopSchedule schedule, int pad, int connections) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(connections);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < connections; w++) {
                writers.add(pool.submit(() -> {
                    try (Connection c = driverConnection(database.name());
                            PreparedStatement insert = c.prepareStatement(InsertCeiling.INSERT)) {
                        long index;
                        while ((index = schedule.claim()) >= 0) {
                            long intended = schedule.intendedMicros(index);
                            Clock.sleepUntilMicros(intended);
                            insert.setObject(1, UUID.randomUUID());
                            insert.setString(2, aggregateType);
                            insert.setString(3, "k" + (index % 1000));
                            insert.setLong(4, intended);
                            insert.setInt(5, pad);
                            insert.executeUpdate();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> writer : writers) {
                writer.get();
            }
            pool.shutdown();
        }

        @Override
        public void close() throws Exception {
            monitor.close();
            database.close();
        }
    }

    static Set<Contender> allContenders() {
        return EnumSet.allOf(Contender.class);
    }
}
