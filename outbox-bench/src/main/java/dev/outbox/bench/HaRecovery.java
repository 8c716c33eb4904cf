package dev.outbox.bench;

import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.KafkaBrokerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * High availability, measured with the shipped relay jar: (a) relay takeover — the active relay of two killed with
 * SIGKILL N times while a writer commits, per source and delivery mode ({@link HaTakeovers}, on the test kit's
 * durable PostgreSQL); (b) PostgreSQL failover — the primary killed with SIGKILL and its standby promoted M times
 * ({@link HaFailovers}, a {@code PostgresStandbyPair} each). One Kafka broker for all. Writes {@code HA-REPORT.md}
 * to {@code --out}, the relays' logs to {@code --logs} (a temporary directory unless given).
 *
 * <pre>
 * java -cp outbox-bench/target/outbox-bench.jar dev.outbox.bench.HaRecovery [--out outbox-bench/results/ha] \
 *     [--kills 5] [--failovers 2] [--sources debezium,pgoutput] [--deliveries at-least-once,exactly-once] \
 *     [--jar outbox-relay/target/outbox-relay.jar] [--java "java -jar"] [--logs DIR]
 * </pre>
 */
public final class HaRecovery {

    private HaRecovery() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = MainOptions.parse(args);
        String jar = options.getOrDefault("jar", OurRelay.jar().toString());
        if (!Files.isRegularFile(Path.of(jar))) {
            throw new IllegalArgumentException("no relay jar at " + jar + ": build it first (mvn -pl outbox-relay -am "
                    + "-DskipTests package) and run from the repository root, or pass --jar");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java")
                + (Runtime.version().feature() >= 23 ? " --sun-misc-unsafe-memory-access=allow" : "") + " -jar " + jar;
        List<String> command = List.of(options.getOrDefault("java", java).trim().split("\\s+"));
        int kills = Integer.parseInt(options.getOrDefault("kills", "5"));
        int failovers = Integer.parseInt(options.getOrDefault("failovers", "2"));
        List<String> sources = List.of(options.getOrDefault("sources", "debezium,pgoutput").split(","));
        List<String> deliveries = List.of(options.getOrDefault("deliveries", "at-least-once,exactly-once").split(","));
        Path out = Path.of(options.getOrDefault("out", "outbox-bench/results/ha"));
        Files.createDirectories(out);
        Path logs = options.containsKey("logs") ? Files.createDirectories(Path.of(options.get("logs")))
                : Files.createTempDirectory("outbox-ha-logs-");

        long started = System.nanoTime();
        String loadBefore = ProcStats.loadAverage();
        Map<String, HaCase> takeovers = new LinkedHashMap<>();
        Map<String, HaCase> failoverCases = new LinkedHashMap<>();
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(
                        EmbeddedPostgresServer.Options.defaults().withDurable(true));
                KafkaBrokerProcess kafka = KafkaBrokerProcess.start()) {
            HaTakeovers takeoverCampaign = new HaTakeovers(postgres, kafka, command, logs);
            HaFailovers failoverCampaign = new HaFailovers(kafka, command, logs);
            for (String source : sources) {
                for (String delivery : deliveries) {
                    takeovers.put(source + delivery, measure(() -> takeoverCampaign.run(source, delivery, kills),
                            source, delivery));
                    System.out.println("takeover " + HaReport.row(takeovers.get(source + delivery)));
                }
            }
            for (String source : sources) {
                for (String delivery : deliveries) {
                    failoverCases.put(source + delivery, measure(() -> failoverCampaign.run(source, delivery,
                            failovers), source, delivery));
                    System.out.println("failover " + HaReport.row(failoverCases.get(source + delivery)));
                }
            }
        }
        String run = "Run " + Instant.now() + ", " + millisSince(started) / 1000 + " s; relay: `"
                + String.join(" ", command) + "` (" + OurRelay.describe(List.of(Contender.OUR_RELAY))
                + "); load average before " + loadBefore + ", after " + ProcStats.loadAverage() + ".";
        String report = HaReport.render(run, kills, failovers, takeovers.values(), failoverCases.values());
        System.out.println("relay logs: " + logs);
        Files.writeString(out.resolve("HA-REPORT.md"), report, StandardCharsets.UTF_8);
        System.out.print(report);
        // Non-zero when a guarantee broke or a case could not finish, so a scripted run notices.
        boolean sound = Stream.concat(takeovers.values().stream(), failoverCases.values().stream())
                .allMatch(HaCase::sound);
        System.exit(sound ? 0 : 1);
    }

    /** One case's campaign. */
    @FunctionalInterface
    private interface Campaign {
        HaCase run() throws Exception;
    }

    private static HaCase measure(Campaign campaign, String source, String delivery) {
        try {
            return campaign.run();
        } catch (Exception e) {
            return HaCase.failed(source, delivery, e.toString());
        }
    }

    /** The relay's settings: this database and broker, a relay (and slot) named {@code name}, its own topics. */
    static Map<String, String> relayEnvironment(String url, String user, String password, String bootstrap,
            String name, String source, String delivery) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("OUTBOX_DB_URL", url);
        environment.put("OUTBOX_DB_USER", user);
        if (password != null) {
            environment.put("OUTBOX_DB_PASSWORD", password);
        }
        environment.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        environment.put("OUTBOX_RELAY_NAME", name);
        environment.put("OUTBOX_TOPIC_TEMPLATE", name + ".${aggregatetype}");
        environment.put("OUTBOX_POSITION_TOPIC", name + ".positions");
        environment.put("OUTBOX_SOURCE", source);
        environment.put("OUTBOX_DELIVERY", delivery);
        return environment;
    }

    /** A database, relay and slot name for a case: lower case, digits and underscores. */
    static String caseName(String prefix, String source, String delivery) {
        return prefix + "_" + source + "_" + (delivery.equals("exactly-once") ? "eos" : "alo");
    }

    /**
     * Polls {@code done} every 20 ms until it holds; after {@code patience} throws an {@link IllegalStateException}
     * naming what did not happen and the log to read.
     */
    static void await(String what, Duration patience, BooleanSupplier done, Path log) {
        if (!awaitQuietly(patience, done)) {
            throw new IllegalStateException(what + " did not happen within " + patience.toSeconds() + " s; see "
                    + log);
        }
    }

    /** Polls {@code done} every 20 ms until it holds (true) or {@code patience} has passed (false). */
    static boolean awaitQuietly(Duration patience, BooleanSupplier done) {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    static long millisSince(long nanoTime) {
        return millis(System.nanoTime() - nanoTime);
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
