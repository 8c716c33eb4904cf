package dev.outbox.relay;

import com.sun.management.OperatingSystemMXBean;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.TestDatabase;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * A rerunnable benchmark, not a test: drain of a 100,000-row backlog (events/s, warm JVM; six drains to warm
 * up, until the JIT compilers are nearly idle during a drain, then seven measured, with the CPU they used) and
 * commit→consume latency at 1,000 events/s (30 s unmeasured, then 30 s measured), against the test kit's durable
 * PostgreSQL 18 and a broker in its own JVM with Kafka's start-script JVM settings, on this machine.
 *
 * <pre>
 * bin/with-jdk21 mvn -B -o -q -pl outbox-relay test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/relay-cp.txt -Dmdep.includeScope=test
 * bin/with-jdk21 java -cp outbox-relay/target/test-classes:outbox-relay/target/classes:$(cat /tmp/relay-cp.txt) \
 *     dev.outbox.relay.RelayBenchmark
 * </pre>
 * {@code -Dcompare=OUTBOX_X=v[,...]} alternates every drain between the settings and these (two medians);
 * {@code -Dbatch=N} sets {@code OUTBOX_BATCH_MAX_RECORDS} (default 5000); {@code -Ddelivery=exactly-once|at-least-once}
 * sets {@code OUTBOX_DELIVERY} (unset: the relay's default); {@code -DOUTBOX_<X>=v} sets any other relay setting
 * (e.g. {@code -DOUTBOX_SOURCE=pgoutput}); {@code -Ddurable=false} turns PostgreSQL's fsync off; {@code -Ddrains=N}
 * measures N drains (default 7); {@code -DskipLatency=true} measures drains only.
 *
 * Latency is measured at a consumer: its receive time minus the record timestamp, which the relay sets to the source
 * transaction's commit time (millisecond resolution), so it bounds commit→Kafka-ack from above.
 */
public final class RelayBenchmark {

    private static final int BACKLOG = 100_000;
    private static final int WARM_UP_DRAINS = 6;
    private static final int RATE = 1_000;
    private static final Duration LATENCY_RUN = Duration.ofSeconds(30);
    /** Unmeasured events at the same rate first: the broker's JIT is still compiling for 20-30 s after a start. */
    private static final Duration LATENCY_WARM_UP = Duration.ofSeconds(30);
    private static final Duration IDLE_RUN = Duration.ofSeconds(10);

    private RelayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int batch = Integer.parseInt(System.getProperty("batch", "5000"));
        // -Ddelivery=exactly-once measures the transactional mode (issue 7); unset, the relay's default applies.
        String delivery = System.getProperty("delivery");
        // -Ddurable=false runs PostgreSQL with fsync off, to tell WAL flush time apart from the relay's own.
        boolean durable = Boolean.parseBoolean(System.getProperty("durable", "true"));
        try (var postgres = EmbeddedPostgresServer.start(
                EmbeddedPostgresServer.Options.defaults().withDurable(durable));
             var kafka = KafkaBrokerProcess.startAsShipped();
             TestDatabase database = postgres.createDatabase("relay_bench")) {
            OutboxSchema.migrateLibrary(database.dataSource());
            kafka.createTopic("bench.event.order", 6, Map.of());
            Map<String, String> settings = new HashMap<>(Map.of(
                    "OUTBOX_DB_URL", database.jdbcUrl(),
                    "OUTBOX_DB_USER", database.user(),
                    "OUTBOX_DB_PASSWORD", database.password(),
                    "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                    "OUTBOX_RELAY_NAME", "relay_bench",
                    "OUTBOX_TOPIC_TEMPLATE", "bench.event.${aggregatetype}",
                    "OUTBOX_HTTP_PORT", "0",
                    "OUTBOX_BATCH_MAX_RECORDS", Integer.toString(batch),
                    // Idle between drains only: moves the slot's restart position sooner (settleRestartPosition).
                    "OUTBOX_HEARTBEAT_INTERVAL_MS", "1000"));
            // Any relay setting, e.g. -DOUTBOX_SOURCE=pgoutput or -DOUTBOX_DEBEZIUM_POLL_INTERVAL_MS=5.
            System.getProperties().stringPropertyNames().stream().filter(key -> key.startsWith("OUTBOX_"))
                    .forEach(key -> settings.put(key, System.getProperty(key)));
            if (delivery != null) {
                settings.put("OUTBOX_DELIVERY", delivery);
            }
            RelayConfig config = RelayConfig.from(settings);
            // -Dcompare=OUTBOX_X=v[,OUTBOX_Y=w] alternates every drain between the settings above and these, so that
            // both face the same moments of this machine (the drain rate moves by a third between minutes here).
            Map<String, String> compared = new HashMap<>(settings);
            for (String setting : System.getProperty("compare", "").split(",")) {
                if (!setting.isBlank()) {
                    int equals = setting.indexOf('=');
                    compared.put(setting.substring(0, equals), setting.substring(equals + 1));
                }
            }
            List<RelayConfig> configs = compared.equals(settings) ? List.of(config)
                    : List.of(config, RelayConfig.from(compared));

            // Warm-up: the same drains, unmeasured, until the JIT compilers of this JVM and the broker's have settled
            // (the first drains of a fresh pair of JVMs run at half the later rate).
            for (int i = 0; i < WARM_UP_DRAINS * configs.size(); i++) {
                Drain drain = drain(configs.get(i % configs.size()), database, BACKLOG);
                System.out.printf("warm-up drain %d: %,.0f events/s; CPU per event: %s%n", i + 1, drain.fromStart(),
                        drain.cpu());
            }
            int drains = Integer.getInteger("drains", 7);
            double[][] fromStart = new double[configs.size()][drains];
            for (int i = 0; i < drains; i++) {
                for (int c = 0; c < configs.size(); c++) {
                    Drain drain = drain(configs.get(c), database, BACKLOG);
                    fromStart[c][i] = drain.fromStart();
                    System.out.printf("drain %d%s of %,d rows: %,.0f events/s from the relay's start, %,.0f events/s "
                            + "from its first acknowledged event; CPU per event: %s%n", i + 1,
                            c == 0 ? "" : " (compared)", BACKLOG, drain.fromStart(), drain.fromFirstAck(), drain.cpu());
                }
            }
            for (int c = 0; c < configs.size(); c++) {
                Arrays.sort(fromStart[c]);
                System.out.printf("drain of %,d rows, median of %d: %,.0f events/s from the relay's start "
                        + "[%,.0f - %,.0f] (batch %d, delivery %s, durable %s, source %s%s)%n", BACKLOG, drains,
                        fromStart[c][drains / 2], fromStart[c][0], fromStart[c][drains - 1], batch,
                        delivery == null ? "default" : delivery,
                        durable, configs.get(c).source().name().toLowerCase(Locale.ROOT),
                        c == 0 ? "" : ", compared: " + System.getProperty("compare"));
            }
            for (RelayConfig measured : configs) {
                System.out.printf("idle relay (source %s): %s%n", measured.source().name().toLowerCase(Locale.ROOT),
                        idleCpu(measured));
            }
            if (Boolean.getBoolean("skipLatency")) {
                return;
            }

            long[] latencies = latency(config, database, kafka.bootstrapServers());
            Arrays.sort(latencies);
            System.out.printf("latency at %,d events/s over %ds after %ds unmeasured (%,d events): p50 %d ms, "
                    + "p99 %d ms, max %d ms%n", RATE, LATENCY_RUN.toSeconds(), LATENCY_WARM_UP.toSeconds(),
                    latencies.length, percentile(latencies, 0.50),
                    percentile(latencies, 0.99), latencies[latencies.length - 1]);
        }
    }

    /**
     * Writes {@code rows} while the relay is stopped, then times the relay to the last acknowledgement: from its
     * start (checks and the producer's first connection included) and from its first acknowledged event.
     */
    private record Drain(double fromStart, double fromFirstAck, String cpu) {
    }

    private static Drain drain(RelayConfig config, TestDatabase database, int rows) throws Exception {
        // The slot must exist before the backlog is written, or the rows would precede it.
        try (Relay relay = new Relay(config)) {
            relay.start();
            waitUntil(relay::ready, Duration.ofSeconds(60));
            settleRestartPosition(database, config.relayName());
        }
        writeBacklog(database, rows);
        CpuUse cpu = CpuUse.now();
        long start = System.nanoTime();
        try (Relay relay = new Relay(config)) {
            relay.start();
            waitUntil(() -> relay.metrics().relayedTotal() > 0, Duration.ofMinutes(1));
            long first = System.nanoTime();
            long firstCount = relay.metrics().relayedTotal();
            waitUntil(() -> relay.metrics().relayedTotal() >= rows, Duration.ofMinutes(10));
            long end = System.nanoTime();
            return new Drain(rows / ((end - start) / 1e9), (rows - firstCount) / ((end - first) / 1e9),
                    cpu.perEventSince(rows));
        }
    }

    /**
     * CPU time per event of the whole machine (PostgreSQL and the broker included), of this JVM (the relay; the
     * benchmark's thread only polls a counter), of its JIT compiler and GC threads, and of its busiest threads. On two
     * CPUs shared by all of them the drain rate follows the machine's CPU per event, which makes these figures the
     * way to tell where a drain's time went and whether a change helped.
     */
    private record CpuUse(long machineNanos, long processNanos, Map<Long, Long> threadNanos,
            Map<String, Long> jvmNanos) {

        private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

        static CpuUse now() {
            Map<Long, Long> threads = new HashMap<>();
            for (long id : THREADS.getAllThreadIds()) {
                threads.put(id, Math.max(0, THREADS.getThreadCpuTime(id)));
            }
            return new CpuUse(machineCpuNanos(), processCpuNanos(), threads, jvmThreadNanos());
        }

        /** Only the JVM's share: over an idle run the kernel's counters for idle CPUs lag behind here. */
        String perSecondSince(Duration run) {
            return String.format("this JVM used %.1f %% of a CPU",
                    100.0 * (processCpuNanos() - processNanos) / run.toNanos());
        }

        String perEventSince(int events) {
            CpuUse end = now();
            StringBuilder line = new StringBuilder(String.format("machine %.1f µs, this JVM %.1f µs (",
                    (end.machineNanos - machineNanos) / 1e3 / events,
                    (end.processNanos - processNanos) / 1e3 / events));
            end.jvmNanos.forEach((kind, nanos) -> line.append(String.format("%s %.1f, ", kind,
                    (nanos - jvmNanos.getOrDefault(kind, 0L)) / 1e3 / events)));
            end.threadNanos.entrySet().stream()
                    .map(e -> Map.entry(e.getKey(), e.getValue() - threadNanos.getOrDefault(e.getKey(), 0L)))
                    .sorted(Map.Entry.<Long, Long>comparingByValue().reversed())
                    .limit(5)
                    .forEach(e -> {
                        var info = THREADS.getThreadInfo(e.getKey());
                        String name = info == null ? "thread " + e.getKey() : info.getThreadName()
                                .replaceFirst("^debezium-postgresconnector-[a-z0-9_]+-", "debezium-");
                        line.append(String.format("%s %.1f, ", name, e.getValue() / 1e3 / events));
                    });
            line.setLength(line.length() - 2);
            return line.append(')').toString();
        }

        /** The JVM's own threads (not visible to ThreadMXBean) from /proc/self/task (Linux; empty elsewhere). */
        private static Map<String, Long> jvmThreadNanos() {
            Map<String, Long> nanos = new TreeMap<>();
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (var task : tasks.toList()) {
                    String name;
                    String stat;
                    try {
                        name = Files.readString(task.resolve("comm")).trim();
                        stat = Files.readString(task.resolve("stat"));
                    } catch (IOException gone) {
                        continue;
                    }
                    String kind = name.startsWith("C1 ") || name.startsWith("C2 ") ? "JIT"
                            : name.startsWith("GC ") || name.startsWith("G1 ") ? "GC"
                            : name.startsWith("VM ") ? "VM" : null;
                    if (kind != null) {
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                        nanos.merge(kind, ticks * 10_000_000L, Long::sum);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return Map.of();
            }
            return nanos;
        }

        /** All CPUs' busy time from /proc/stat (Linux; 0 elsewhere): PostgreSQL and the broker included. */
        private static long machineCpuNanos() {
            try {
                String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0)
                        .trim().split("\\s+");
                long busyTicks = 0;
                for (int i = 1; i < fields.length && i <= 8; i++) {
                    if (i != 4 && i != 5) { // idle, iowait
                        busyTicks += Long.parseLong(fields[i]);
                    }
                }
                return busyTicks * 10_000_000L; // USER_HZ is 100
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        private static long processCpuNanos() {
            return ((OperatingSystemMXBean)
                    ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }
    }

    /** CPU an idle relay uses: its threads' polling, Debezium's and its own heartbeats, over {@link #IDLE_RUN}. */
    private static String idleCpu(RelayConfig config) throws Exception {
        try (Relay relay = new Relay(config)) {
            relay.start();
            waitUntil(relay::ready, Duration.ofSeconds(60));
            LockSupport.parkNanos(Duration.ofSeconds(2).toNanos()); // the start's own work settles
            CpuUse cpu = CpuUse.now();
            LockSupport.parkNanos(IDLE_RUN.toNanos());
            return cpu.perSecondSince(IDLE_RUN);
        }
    }

    /**
     * Waits, with the relay running, until the slot's restart position has caught up with the WAL, as on a relay that
     * has run for a while. Drains follow each other within seconds, and PostgreSQL moves the restart position only to
     * a running-transactions record (logged every 15 s and at checkpoints) that the relay confirmed beyond: without
     * this wait each drain would first decode the previous drain's backlog again (~0.3 s here).
     */
    private static void settleRestartPosition(TestDatabase database, String slot) {
        database.execute("CHECKPOINT");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (Outboxes.retainedWal(database, slot) > 1024 * 1024) {
            if (System.nanoTime() > deadline) {
                System.out.println("the slot's restart position did not catch up within 30 s; draining anyway");
                return;
            }
            LockSupport.parkNanos(10_000_000L);
        }
    }

    private static void writeBacklog(TestDatabase database, int rows) throws SQLException {
        try (Connection connection = database.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement(Outboxes.INSERT)) {
                for (int i = 0; i < rows; i++) {
                    bind(insert, i);
                    insert.addBatch();
                    if (i % 1000 == 999) {
                        insert.executeBatch();
                        connection.commit();
                    }
                }
                insert.executeBatch();
                connection.commit();
            }
            // The backlog's dirty pages are written now rather than by a checkpoint in the middle of the drain, and
            // the table (a million rows after ten drains) is vacuumed now rather than by autovacuum during one.
            connection.setAutoCommit(true);
            try (var statement = connection.createStatement()) {
                statement.execute("VACUUM ANALYZE outbox");
                statement.execute("CHECKPOINT");
            }
        }
    }

    private static void bind(PreparedStatement insert, int i) throws SQLException {
        insert.setString(1, UUID.randomUUID().toString());
        insert.setString(2, "order");
        insert.setString(3, "order-" + (i % 1000));
        insert.setString(4, "OrderPlaced");
        insert.setString(5, "{\"orderId\": \"order-" + (i % 1000) + "\", \"sequence\": " + i
                + ", \"lines\": [{\"sku\": \"sku-1\", \"quantity\": 2}], \"total\": 1999}");
        insert.setString(6, "{\"saga_id\": \"s-" + i + "\"}");
    }

    /** One-row transactions at {@link #RATE} per second on a fixed schedule (open loop); latency per record. */
    private static long[] latency(RelayConfig config, TestDatabase database, String bootstrapServers)
            throws Exception {
        int measured = (int) (RATE * LATENCY_RUN.toSeconds());
        int warmUp = (int) (RATE * LATENCY_WARM_UP.toSeconds());
        int total = warmUp + measured;
        long[] latencies = new long[total];
        try (Relay relay = new Relay(config);
             KafkaConsumer<byte[], byte[]> consumer = Outboxes.consumer(bootstrapServers, "bench.event.order")) {
            relay.start();
            waitUntil(relay::ready, Duration.ofSeconds(60));
            // Join the group and skip what the drains left before writing.
            while (consumer.assignment().isEmpty()) {
                consumer.poll(Duration.ofMillis(100));
            }
            consumer.seekToEnd(consumer.assignment());
            consumer.assignment().forEach(consumer::position);
            AtomicBoolean failed = new AtomicBoolean();
            Thread writer = Thread.ofPlatform().start(() -> {
                try (Connection connection = database.dataSource().getConnection();
                     PreparedStatement insert = connection.prepareStatement(Outboxes.INSERT)) {
                    long start = System.nanoTime();
                    for (int i = 0; i < total; i++) {
                        long due = start + i * 1_000_000_000L / RATE;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        bind(insert, i);
                        insert.executeUpdate();
                    }
                } catch (SQLException e) {
                    failed.set(true);
                    throw new IllegalStateException(e);
                }
            });
            int received = 0;
            CpuUse measuredCpu = null;
            long measuredFrom = 0;
            long deadline = System.nanoTime() + LATENCY_WARM_UP.plus(LATENCY_RUN).plusSeconds(60).toNanos();
            while (received < total && System.nanoTime() < deadline && !failed.get()) {
                for (var record : consumer.poll(Duration.ofMillis(50))) {
                    long now = System.currentTimeMillis();
                    if (received < total) {
                        latencies[received++] = now - record.timestamp();
                    }
                }
                if (measuredCpu == null && received >= warmUp) {
                    measuredCpu = CpuUse.now();
                    measuredFrom = System.nanoTime();
                }
            }
            writer.join();
            if (received < total) {
                throw new IllegalStateException("only " + received + " of " + total + " events arrived");
            }
            // The relay's CPU at this rate (Debezium's poll spins through the last millisecond of each wait), with
            // this JVM's writer and consumer.
            System.out.printf("CPU while measuring latency: %s%n",
                    measuredCpu.perSecondSince(Duration.ofNanos(System.nanoTime() - measuredFrom)));
        }
        return Arrays.copyOfRange(latencies, warmUp, total);
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout);
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }
}
