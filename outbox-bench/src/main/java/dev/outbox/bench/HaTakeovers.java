package dev.outbox.bench;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Relay takeover: two relays of one name on one database, a writer committing continuously, the active one killed
 * with SIGKILL N times, each killed one restarted as the new standby. Per takeover: kill → the standby ready
 * (streaming, {@code /health/ready} 200), kill → the first row committed after the kill delivered, and the copies
 * delivered twice until the killed relay stands by again; at the end every acknowledged row must be delivered. Each
 * standby has stood by for {@value #STANDBY_SETTLE_MILLIS} ms when the active relay is killed.
 */
final class HaTakeovers {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /**
     * How long a restarted relay stands by before the next kill: a standby has usually waited a while when it takes
     * over, its JVM past its start-up work.
     */
    private static final long STANDBY_SETTLE_MILLIS = 2_000;

    private final EmbeddedPostgresServer postgres;
    private final KafkaBrokerProcess kafka;
    private final List<String> javaCommand;
    private final Path logs;

    HaTakeovers(EmbeddedPostgresServer postgres, KafkaBrokerProcess kafka, List<String> javaCommand, Path logs) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.javaCommand = javaCommand;
        this.logs = logs;
    }

    HaCase run(String source, String delivery, int kills) throws Exception {
        String name = HaRecovery.caseName("ha_takeover", source, delivery);
        try (TestDatabase database = postgres.createDatabase(name)) {
            OutboxSchema.migrateLibrary(database.dataSource());
            String topic = name + ".Ha";
            kafka.createTopic(topic, 3, Map.of());
            Map<String, String> environment = HaRecovery.relayEnvironment(database.jdbcUrl(), database.user(),
                    database.password(), kafka.bootstrapServers(), name, source, delivery);
            List<HaRelay> relays = List.of(new HaRelay(javaCommand, environment, logs.resolve(name + "-a.log")),
                    new HaRelay(javaCommand, environment, logs.resolve(name + "-b.log")));
            try (HaConsumer consumer = new HaConsumer(kafka.bootstrapServers(), topic);
                    HaWriter writer = new HaWriter(database.jdbcUrl(), database.user(), database.password(), "Ha")) {
                HaRecovery.await("the first relay ready", PATIENCE.multipliedBy(2), relays.get(0).start()::ready,
                        relays.get(0).log());
                HaRecovery.await("the second relay standing by", PATIENCE, relays.get(1).start()::standingBy,
                        relays.get(1).log());
                Thread.sleep(STANDBY_SETTLE_MILLIS);
                writer.start();
                return campaign(source, delivery, kills, relays, consumer, writer);
            } finally {
                for (HaRelay relay : relays) {
                    relay.close();
                }
            }
        }
    }

    private static HaCase campaign(String source, String delivery, int kills, List<HaRelay> relays,
            HaConsumer consumer, HaWriter writer) throws Exception {
        List<Long> streaming = new ArrayList<>();
        List<Long> firstRow = new ArrayList<>();
        List<Long> duplicates = new ArrayList<>();
        String failure = null;
        try {
            for (int kill = 1; kill <= kills; kill++) {
                HaRelay standby = relays.get(0).standingBy() ? relays.get(0) : relays.get(1);
                HaRelay active = relays.get(1 - relays.indexOf(standby));
                HaRecovery.await("the active relay ready before kill " + kill, PATIENCE, active::ready, active.log());
                long copiesBefore = consumer.duplicates();
                long killed = System.nanoTime();
                active.killNine();
                // Rows begun once the killed relay is gone: only the other relay can deliver them.
                long gone = System.nanoTime();
                HaRecovery.await("takeover " + kill, PATIENCE, standby::ready, standby.log());
                streaming.add(HaRecovery.millisSince(killed));
                HaRecovery.await("the first row after kill " + kill + " delivered", PATIENCE,
                        () -> consumer.firstReceipt(writer.committedAfter(gone)) > 0, standby.log());
                firstRow.add(HaRecovery.millis(consumer.firstReceipt(writer.committedAfter(gone)) - killed));
                HaRecovery.await("the killed relay standing by again", PATIENCE, active.start()::standingBy,
                        active.log());
                duplicates.add(consumer.duplicates() - copiesBefore);
                Thread.sleep(STANDBY_SETTLE_MILLIS);
            }
        } catch (IllegalStateException e) {
            failure = e.getMessage();
        }
        writer.close();
        Set<String> acknowledged = writer.acknowledged();
        long copiesBefore = consumer.duplicates();
        HaRecovery.awaitQuietly(PATIENCE.multipliedBy(2), () -> consumer.receivedAll(acknowledged));
        Thread.sleep(2_000); // late copies
        if (!duplicates.isEmpty()) {
            duplicates.set(duplicates.size() - 1, duplicates.getLast() + consumer.duplicates() - copiesBefore);
        }
        return new HaCase(source, delivery, firstRow, streaming, duplicates, acknowledged.size(),
                consumer.missing(acknowledged), failure);
    }
}
