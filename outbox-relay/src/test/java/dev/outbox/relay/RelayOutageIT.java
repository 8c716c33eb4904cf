package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the relay does while Kafka is down, and while the outbox is idle but the database busy. */
@OutboxInfraTest
class RelayOutageIT {

    private static RelayConfig config(TestDatabase database, String bootstrap, String name, Map<String, String> extra) {
        Map<String, String> values = Outboxes.relaySettings(database, bootstrap, name);
        values.putAll(extra);
        return RelayConfig.from(values);
    }

    private static String confirmedFlushLsn(TestDatabase database, String slot) {
        return String.valueOf(database.dsl().fetchValue(
                "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?", slot));
    }

    @Test
    void brokerDownForThirtySecondsLosesNothingAndTheSlotWaits(TestDatabase database) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start();
                Relay relay = new Relay(config(database, broker.bootstrapServers(), "outage", Map.of()))) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(relay::ready);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                ids.add(Outboxes.insertCommitted(database, "orders", "o-" + (i % 7), "{\"i\": " + i + "}"));
            }
            try (var consumer = Outboxes.consumer(broker.bootstrapServers(), "outage.orders")) {
                assertThat(Outboxes.readAtLeast(consumer, 500, Duration.ofSeconds(60))).hasSize(500);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> relay.metrics().relayedTotal() == 500);

            broker.stop();
            for (int i = 500; i < 1_000; i++) {
                ids.add(Outboxes.insertCommitted(database, "orders", "o-" + (i % 7), "{\"i\": " + i + "}"));
            }
            String confirmedBefore = confirmedFlushLsn(database, "outage");
            // Thirty seconds without a broker: the slot's confirmed position must not move meanwhile.
            await().pollInterval(Duration.ofMillis(500)).during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(40))
                    .until(() -> confirmedFlushLsn(database, "outage").equals(confirmedBefore));
            assertThat(relay.ready()).as("not ready while Kafka is down").isFalse();

            broker.restart();
            try (var consumer = Outboxes.consumer(broker.bootstrapServers(), "outage.orders")) {
                var records = new ArrayList<>(Outboxes.readAtLeast(consumer, 1_000, Duration.ofSeconds(240)));
                records.addAll(Outboxes.drainQuiet(consumer));
                Set<String> received = new HashSet<>();
                records.forEach(r -> received.add(Outboxes.header(r, "id")));
                assertThat(received).containsExactlyInAnyOrderElementsOf(ids);
            }
            await().atMost(Duration.ofSeconds(30)).until(relay::ready);
        }
    }

    @Test
    void postgresKilledAndRestartedMidStreamLosesNothing(dev.outbox.testkit.Kafka kafka) throws Exception {
        try (var server = dev.outbox.testkit.EmbeddedPostgresServer.start(
                dev.outbox.testkit.EmbeddedPostgresServer.Options.defaults().withDurable(true))) {
            TestDatabase database = server.createDatabase("t_pg_restart");
            OutboxSchema.migrateLibrary(database.dataSource());
            try (Relay relay = new Relay(config(database, kafka.bootstrapServers(), "pg_restart", Map.of()))) {
                relay.start();
                await().atMost(Duration.ofSeconds(30)).until(relay::ready);
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    ids.add(Outboxes.insertCommitted(database, "orders", "o-" + (i % 5), "{\"i\": " + i + "}"));
                }
                server.kill();
                server.restart();
                for (int i = 300; i < 600; i++) {
                    ids.add(Outboxes.insertCommitted(database, "orders", "o-" + (i % 5), "{\"i\": " + i + "}"));
                }
                try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), "pg_restart.orders")) {
                    var records = new ArrayList<>(Outboxes.readAtLeast(consumer, 600, Duration.ofSeconds(120)));
                    records.addAll(Outboxes.drainQuiet(consumer));
                    Set<String> received = new HashSet<>();
                    records.forEach(r -> received.add(Outboxes.header(r, "id")));
                    assertThat(received).containsExactlyInAnyOrderElementsOf(ids);
                }
            }
        }
    }

    @Test
    void idleOutboxOnABusyDatabaseKeepsRetainedWalSmall(TestDatabase database, dev.outbox.testkit.Kafka kafka) {
        database.execute("CREATE TABLE IF NOT EXISTS busy (id bigserial PRIMARY KEY, filler text)");
        OutboxSchema.migrateLibrary(database.dataSource());
        try (Relay relay = new Relay(config(database, kafka.bootstrapServers(), "heartbeat",
                Map.of("OUTBOX_HEARTBEAT_INTERVAL_MS", "1000")))) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(relay::ready);
            long walBefore = walPosition(database);
            // About 200 MB of WAL in tables the relay does not publish.
            while (walPosition(database) - walBefore < 200L * 1024 * 1024) {
                database.execute("INSERT INTO busy (filler) SELECT repeat('x', 1000) FROM generate_series(1, 20000)",
                        "DELETE FROM busy");
            }
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    retainedWalAfterCheckpoint(database, "heartbeat")).isLessThan(64L * 1024 * 1024));
        }
    }

    /**
     * After a burst the outbox goes quiet and nothing else is written: the slot's restart position must still move past
     * the burst, or the slot keeps its WAL and a restarted relay decodes the whole burst again.
     */
    @ParameterizedTest
    @ValueSource(strings = {"debezium", "pgoutput"})
    void aRelayedBurstIsNotRetainedOnceTheOutboxGoesQuiet(String source, TestDatabase database,
            dev.outbox.testkit.Kafka kafka) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        String name = "burst_" + source;
        int rows = 25_000;
        try (Relay relay = new Relay(config(database, kafka.bootstrapServers(), name,
                Map.of("OUTBOX_SOURCE", source, "OUTBOX_HEARTBEAT_INTERVAL_MS", "1000")))) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(relay::ready);
            long walBefore = walPosition(database);
            try (Connection connection = database.dataSource().getConnection()) {
                Outboxes.copy(connection, "burst", "b-", rows);
            }
            long burstWal = walPosition(database) - walBefore;
            assertThat(burstWal).as("WAL of the burst").isGreaterThan(4L * 1024 * 1024);
            await().atMost(Duration.ofSeconds(60)).until(() -> relay.metrics().relayedTotal() == rows);
            // The checkpoint logs the running-transactions record the restart position needs.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    retainedWalAfterCheckpoint(database, name))
                    .as("WAL the slot retains after a relayed burst of %d bytes", burstWal)
                    .isLessThan(2L * 1024 * 1024));
        }
    }

    private static long walPosition(TestDatabase database) {
        return ((Number) database.dsl().fetchValue("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")).longValue();
    }

    private static long retainedWalAfterCheckpoint(TestDatabase database, String slot) {
        database.execute("CHECKPOINT");
        return Outboxes.retainedWal(database, slot);
    }
}
