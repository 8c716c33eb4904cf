package dev.outbox.bench;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.PostgresStandbyPair;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * PostgreSQL failover: per failover a fresh {@link PostgresStandbyPair} (synchronous standby, failover slots), one
 * relay given both hosts, a writer committing continuously through the multi-host URL; once rows flow and the slot
 * is synchronised, the primary is killed with SIGKILL and the standby promoted. Per failover: kill → the first row
 * committed after the kill delivered (the recovery), the part of it after that first row was committed on the
 * new primary (the relay's share: reconnecting to the new primary and streaming from the synchronised slot beyond
 * what the database's own recovery took), the copies delivered twice, and the acknowledged rows never delivered.
 */
final class HaFailovers {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Rows delivered before the failover, and committed on the new primary after it. */
    private static final int ROWS_EACH_SIDE = 200;

    private final KafkaBrokerProcess kafka;
    private final List<String> javaCommand;
    private final Path logs;

    /** The outcome of one failover. */
    private record Failover(long recoveryMs, long relayShareMs, long rows, long lost, long duplicates) {
    }

    HaFailovers(KafkaBrokerProcess kafka, List<String> javaCommand, Path logs) {
        this.kafka = kafka;
        this.javaCommand = javaCommand;
        this.logs = logs;
    }

    HaCase run(String source, String delivery, int failovers) throws Exception {
        List<Long> recovery = new ArrayList<>();
        List<Long> relayShare = new ArrayList<>();
        List<Long> duplicates = new ArrayList<>();
        long rows = 0;
        long lost = 0;
        String failure = null;
        try {
            for (int i = 1; i <= failovers; i++) {
                Failover failover = once(HaRecovery.caseName("ha_failover" + i, source, delivery), source, delivery);
                recovery.add(failover.recoveryMs());
                relayShare.add(failover.relayShareMs());
                duplicates.add(failover.duplicates());
                rows += failover.rows();
                lost += failover.lost();
            }
        } catch (IllegalStateException e) {
            failure = e.getMessage();
        }
        return new HaCase(source, delivery, recovery, relayShare, duplicates, rows, lost, failure);
    }

    private Failover once(String name, String source, String delivery) throws Exception {
        try (PostgresStandbyPair pair = PostgresStandbyPair.start(true, name)) {
            PGSimpleDataSource primary = new PGSimpleDataSource();
            primary.setURL(pair.primary().jdbcUrl(name));
            primary.setUser(pair.primary().user());
            primary.setPassword(pair.primary().password());
            OutboxSchema.migrateLibrary(primary);
            String topic = name + ".Ha";
            kafka.createTopic(topic, 3, Map.of());
            String url = pair.jdbcUrl(name);
            Map<String, String> environment = HaRecovery.relayEnvironment(url, pair.primary().user(),
                    pair.primary().password(), kafka.bootstrapServers(), name, source, delivery);
            try (HaRelay relay = new HaRelay(javaCommand, environment, logs.resolve(name + ".log")).start();
                    HaConsumer consumer = new HaConsumer(kafka.bootstrapServers(), topic);
                    HaWriter writer = new HaWriter(url + "&connectTimeout=2&socketTimeout=10", pair.primary().user(),
                            pair.primary().password(), "Ha")) {
                HaRecovery.await("the relay ready", PATIENCE.multipliedBy(2), relay::ready, relay.log());
                writer.start();
                HaRecovery.await("rows relayed", PATIENCE, () -> consumer.distinct() >= ROWS_EACH_SIDE, relay.log());
                String relayed = slotConfirmed(primary, name);
                HaRecovery.await("the slot synchronised to the standby", PATIENCE,
                        () -> pair.slotSynchronized(name, name, relayed), relay.log());

                long killed = System.nanoTime();
                pair.killPrimary();
                // Rows begun once the primary and its backends are gone can only commit on the promoted standby.
                long gone = System.nanoTime();
                pair.promoteStandby();
                HaRecovery.await("the writer committing on the promoted standby", PATIENCE,
                        () -> writer.committedAfter(gone).size() >= ROWS_EACH_SIDE, relay.log());
                writer.close();
                Set<String> acknowledged = writer.acknowledged();
                HaRecovery.awaitQuietly(PATIENCE.multipliedBy(2),
                        () -> consumer.receivedAll(acknowledged) || !relay.isAlive());
                Thread.sleep(2_000); // late copies
                long first = consumer.firstReceipt(writer.committedAfter(gone));
                if (first < 0) {
                    throw new IllegalStateException("no row committed on the promoted standby was delivered (relay "
                            + (relay.isAlive() ? "alive" : "exited") + "); see " + relay.log());
                }
                return new Failover(HaRecovery.millis(first - killed),
                        HaRecovery.millis(first - writer.firstBegunAfter(gone)), acknowledged.size(),
                        consumer.missing(acknowledged), consumer.duplicates());
            }
        }
    }

    private static String slotConfirmed(DataSource primary, String slot) throws SQLException {
        try (Connection connection = primary.getConnection(); PreparedStatement statement = connection.prepareStatement(
                "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = ?")) {
            statement.setString(1, slot);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("the relay's slot " + slot + " is missing on the primary");
                }
                return rs.getString(1);
            }
        }
    }
}
