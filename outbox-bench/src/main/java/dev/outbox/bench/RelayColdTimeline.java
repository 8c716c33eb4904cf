package dev.outbox.bench;

import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.TestDatabase;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;

/**
 * Where a fresh relay's first-minute latency goes: per contender (a fresh process on a fresh database, slot and
 * topic, as {@link RelayFootprint}'s start phase), one row committed, the process launched, then one-row
 * transactions at {@code --rate} per second for {@code --seconds} from the first event on; prints commit → consume
 * p50 / p99 / max and count per second of commit time, the worst events, and the process's CPU by thread.
 * Contenders may repeat ({@code debezium,pgoutput,debezium,pgoutput}) to alternate in one sitting.
 *
 * <pre>
 * java -cp outbox-bench/target/outbox-bench.jar dev.outbox.bench.RelayColdTimeline --out DIR \
 *     [--contenders debezium,pgoutput] [--seconds 60] [--rate 1000] [--relay-jvm "options"] [--jar …]
 * </pre>
 * {@code --relay-jvm} replaces {@link RelayFootprint#RELAY_JVM_OPTIONS}; {@code %p} in a log or recording file
 * name is the JVM's pid (e.g. {@code -Xlog:gc:file=/tmp/gc-%p.log}).
 */
public final class RelayColdTimeline {

    private RelayColdTimeline() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = MainOptions.parse(args);
        Path out = Path.of(options.getOrDefault("out", "/tmp/relay-cold-timeline"));
        Files.createDirectories(out.resolve("logs"));
        List<FootprintContender> contenders = FootprintContender.parse(
                options.getOrDefault("contenders", "debezium,pgoutput"));
        int seconds = Integer.parseInt(options.getOrDefault("seconds", "60"));
        int rate = Integer.parseInt(options.getOrDefault("rate", "1000"));
        String relayJvm = options.getOrDefault("relay-jvm", RelayFootprint.RELAY_JVM_OPTIONS);
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        EmbeddedPostgresServer.Options.defaults().withDurable(true));
                KafkaBrokerProcess kafka = KafkaBrokerProcess.startAsShipped()) {
            FootprintLauncher launcher = FootprintLauncher.fromOptions(options, relayJvm, kafka.bootstrapServers(),
                    out.resolve("logs"));
            FootprintDatabases databases = new FootprintDatabases(postgres, kafka);
            int run = 0;
            StringBuilder report = new StringBuilder();
            for (FootprintContender contender : contenders) {
                String name = String.format("tl%02d_%s", ++run, contender.key.replace('-', '_'));
                String section = measure(databases, launcher, kafka.bootstrapServers(), contender, name, rate,
                        seconds);
                System.out.println(section);
                report.append(section).append('\n');
            }
            Files.writeString(out.resolve("timeline.md"), report);
        }
        System.exit(0);
    }

    private static String measure(FootprintDatabases databases, FootprintLauncher launcher, String bootstrap,
            FootprintContender contender, String name, int rate, int seconds) throws Exception {
        String loadBefore = ProcStats.loadAverage();
        try (TestDatabase database = databases.create(name)) {
            databases.insert(database, name, 1, 1);
            try (TimelineConsumer consumer = new TimelineConsumer(bootstrap, "outbox.event." + name)) {
                long launched = System.nanoTime();
                try (ChildProcess process = launcher.start(contender, name, database)) {
                    while (consumer.distinct() < 1) {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("the contender stopped before its first event");
                        }
                        Thread.sleep(5);
                    }
                    double firstEventMs = (System.nanoTime() - launched) / 1e6;
                    long cpuAtFirst = ProcStats.cpuTicks(process.pid()).orElseThrow();
                    Map<String, Long> threadsAtFirst = ProcStats.threadTicks(process.pid());
                    SteadyWriter writer = new SteadyWriter(database, name, rate, seconds);
                    consumer.measureFrom(writer.firstIntendedMicros());
                    writer.run();
                    long deadline = System.nanoTime() + 120_000_000_000L;
                    while (consumer.measured() < writer.total() && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    long cpuAtEnd = ProcStats.cpuTicks(process.pid()).orElseThrow();
                    dumpRecording(launcher, process.pid());
                    String threads = threadCpu(threadsAtFirst, ProcStats.threadTicks(process.pid()));
                    return consumer.report(contender.label + " (" + name + ", pid " + process.pid() + ")",
                            String.format("launch → first event %.0f ms; CPU to first event %.2f s; CPU while "
                                    + "writing %.2f s; load before %s, after %s", firstEventMs,
                                    cpuAtFirst / ProcStats.TICKS_PER_SECOND,
                                    (cpuAtEnd - cpuAtFirst) / ProcStats.TICKS_PER_SECOND, loadBefore,
                                    ProcStats.loadAverage()), threads, writer.total());
                }
            }
        }
    }

    /** With a flight recording running, dumps it beside the logs: the process is killed, not stopped. */
    private static void dumpRecording(FootprintLauncher launcher, long pid) throws Exception {
        if (!System.getProperty("relay.cold.jfr", "").isEmpty()) {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Path file = Path.of(System.getProperty("relay.cold.jfr"), "rec-" + pid + ".jfr");
            new ProcessBuilder(jcmd.toString(), Long.toString(pid), "JFR.dump", "filename=" + file)
                    .inheritIO().start().waitFor();
        }
    }

    private static String threadCpu(Map<String, Long> before, Map<String, Long> after) {
        StringBuilder line = new StringBuilder();
        after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .limit(12)
                .forEach(e -> line.append(String.format("%s %.2f s; ", e.getKey(),
                        e.getValue() / ProcStats.TICKS_PER_SECOND)));
        return line.toString();
    }

    /** A read_committed consumer keeping, per second of commit time after {@code measureFrom}, a histogram. */
    private static final class TimelineConsumer implements AutoCloseable {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Thread thread;
        private final Set<ByteBuffer> seen = new HashSet<>();
        private final AtomicLong distinct = new AtomicLong();
        private final AtomicLong measured = new AtomicLong();
        private final TreeMap<Long, Histogram> perSecond = new TreeMap<>();
        private final TreeMap<Long, Long> worst = new TreeMap<>();
        private volatile long measureFromMicros = Long.MAX_VALUE;
        private volatile boolean running = true;

        TimelineConsumer(String bootstrap, String topic) {
            consumer = TopicFromStart.open(bootstrap, topic, 100);
            thread = new Thread(this::loop, "timeline-consumer");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            while (running) {
                var records = consumer.poll(Duration.ofMillis(50));
                long now = Clock.nowMicros();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    Header id = record.headers().lastHeader("id");
                    if (id != null && !seen.add(ByteBuffer.wrap(id.value()))) {
                        continue;
                    }
                    distinct.incrementAndGet();
                    long s = Payloads.field(record.value(), 's');
                    long t = Payloads.field(record.value(), 't');
                    if (s >= measureFromMicros && t > 0) {
                        record(t, Math.max(0, now - t));
                    }
                }
            }
        }

        private synchronized void record(long commitMicros, long latencyMicros) {
            long second = (commitMicros - measureFromMicros) / 1_000_000;
            perSecond.computeIfAbsent(second, s -> new Histogram(3_600_000_000L, 3)).recordValue(latencyMicros);
            worst.merge(latencyMicros, commitMicros - measureFromMicros, Math::min);
            if (worst.size() > 15) {
                worst.pollFirstEntry();
            }
            measured.incrementAndGet();
        }

        void measureFrom(long micros) {
            measureFromMicros = micros;
        }

        long distinct() {
            return distinct.get();
        }

        long measured() {
            return measured.get();
        }

        synchronized String report(String title, String summary, String threads, long expected) {
            Histogram all = new Histogram(3_600_000_000L, 3);
            Histogram first20 = new Histogram(3_600_000_000L, 3);
            StringBuilder table = new StringBuilder();
            table.append("| s | events | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n");
            perSecond.forEach((second, h) -> {
                all.add(h);
                if (second < 20) {
                    first20.add(h);
                }
                table.append(String.format("| %d | %d | %.1f | %.1f | %.1f |%n", second, h.getTotalCount(),
                        h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3));
            });
            StringBuilder worstLine = new StringBuilder();
            worst.descendingMap().forEach((latency, at) -> worstLine.append(String.format("%.0f ms at %.3f s; ",
                    latency / 1e3, at / 1e6)));
            return String.format("## %s%n%n%s%n%nMeasured %d of %d; whole run p50 %.1f / p99 %.1f / max %.1f ms; "
                    + "first 20 s p99 %.1f ms.%n%nWorst (latency at commit second): %s%n%nCPU by thread while "
                    + "writing: %s%n%n%s", title, summary, all.getTotalCount(), expected,
                    all.getValueAtPercentile(50) / 1e3, all.getValueAtPercentile(99) / 1e3, all.getMaxValue() / 1e3,
                    first20.getValueAtPercentile(99) / 1e3, worstLine, threads, table);
        }

        @Override
        public void close() {
            running = false;
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
