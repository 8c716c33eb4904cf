package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outbox.relay.source.SourceDatabase;
import dev.outbox.relay.state.PositionRecord;
import dev.outbox.relay.state.SourceIdentity;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Issue 15, item 2 and 3: a relay never recreates a slot it has streamed from, never streams from another cluster
 * or database under its name, and an exactly-once position is bound to the source it was committed from.
 */
@OutboxInfraTest
class RelaySlotLossIT {

    private static final String POSITIONS = "slot-loss-it.positions";

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    private static Map<String, String> environment(TestDatabase database, Kafka kafka, String name, String source) {
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_SOURCE", source);
        environment.put("OUTBOX_POSITION_TOPIC", POSITIONS);
        return environment;
    }

    private static void awaitStreaming(RelayProcess relay) {
        await().atMost(Duration.ofSeconds(60)).until(() -> relay.output().contains("streaming public.outbox")
                || !relay.isAlive());
        assertThat(relay.output()).as("relay output").contains("streaming public.outbox");
    }

    private static long slots(TestDatabase database, String slot) {
        return ((Number) database.dsl().fetchValue("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?",
                slot)).longValue();
    }

    private static void insertRows(TestDatabase database, String aggregateType, int rows) throws Exception {
        try (Connection connection = database.dataSource().getConnection()) {
            connection.createStatement().execute("""
                    INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
                    SELECT gen_random_uuid(), '%s', 'a-' || i, 'Gap', jsonb_build_object('i', i)
                      FROM generate_series(1, %d) i""".formatted(aggregateType, rows));
        }
    }

    private static int exitCode(RelayProcess relay) throws InterruptedException {
        int exit = relay.awaitExit(90);
        assertThat(exit).as("exit code; output:%n%s", relay.output()).isEqualTo(1);
        return exit;
    }

    @ParameterizedTest
    @ValueSource(strings = {"debezium", "pgoutput"})
    void slotDroppedWhileTheRelayIsDownStopsItAtStartUnlessAcceptGap(String source, TestDatabase database,
            Kafka kafka) throws Exception {
        String name = "dropped_down_" + source;
        try (RelayProcess first = new RelayProcess(environment(database, kafka, name, source)).start()) {
            awaitStreaming(first);
            assertThat(first.output()).contains("created replication slot " + name + ": first start");
            assertThat(first.terminate()).as("clean stop; output:%n%s", first.output()).isZero();
        }
        database.execute("SELECT pg_drop_replication_slot('" + name + "')");
        insertRows(database, name, 100);

        try (RelayProcess refused = new RelayProcess(environment(database, kafka, name, source)).start()) {
            exitCode(refused);
            assertThat(refused.output()).contains("replication slot " + name + " is missing",
                    "Rows at risk: 100 outbox rows in public.outbox were created after",
                    "OUTBOX_SLOT_RECREATE=accept-gap");
            assertThat(refused.output()).doesNotContain("created replication slot");
        }
        assertThat(slots(database, name)).as("no slot created by the refused start").isZero();

        Map<String, String> acceptGap = environment(database, kafka, name, source);
        acceptGap.put("OUTBOX_SLOT_RECREATE", "accept-gap");
        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".after");
                RelayProcess accepted = new RelayProcess(acceptGap).start()) {
            awaitStreaming(accepted);
            assertThat(accepted.output()).containsPattern("WARN .*OUTBOX_SLOT_RECREATE=accept-gap: replication slot "
                    + name + " is missing.*NOT relayed.*100 outbox rows");
            String id = Outboxes.insertCommitted(database, "after", "a-1", "{\"after\": true}");
            var records = Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(60));
            assertThat(records).extracting(r -> Outboxes.header(r, "id")).containsExactly(id);
            assertThat(accepted.terminate()).isZero();
        }
        // Accepted once: the next start streams on without the setting.
        try (RelayProcess next = new RelayProcess(environment(database, kafka, name, source)).start()) {
            awaitStreaming(next);
            assertThat(next.terminate()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"debezium", "pgoutput"})
    void slotDroppedWhileConnectedStopsTheRelayInsteadOfRecreatingIt(String source, TestDatabase database,
            Kafka kafka) throws Exception {
        String name = "dropped_live_" + source;
        try (RelayProcess relay = new RelayProcess(environment(database, kafka, name, source)).start()) {
            awaitStreaming(relay);
            await("the walsender terminated and the slot dropped").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50)).until(() -> {
                        database.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                                + "WHERE slot_name = '" + name + "' AND active_pid IS NOT NULL");
                        try {
                            database.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                    + "WHERE slot_name = '" + name + "' AND NOT active");
                        } catch (IllegalStateException stillActive) {
                            // The terminated sender releases the slot asynchronously.
                        }
                        return slots(database, name) == 0;
                    });
            insertRows(database, name, 100);

            exitCode(relay);
            assertThat(relay.output()).contains("replication slot " + name + " is missing", "Rows at risk:",
                    "OUTBOX_SLOT_RECREATE=accept-gap");
        }
        assertThat(slots(database, name)).as("the relay did not recreate its slot").isZero();
    }

    @Test
    void databaseReplacedByAnotherClusterIsRefused(Kafka kafka) throws Exception {
        String name = "replaced";
        try (EmbeddedPostgresServer original = EmbeddedPostgresServer.start();
                EmbeddedPostgresServer replacement = EmbeddedPostgresServer.start()) {
            TestDatabase before = original.createDatabase("t_replaced");
            TestDatabase after = replacement.createDatabase("t_replaced");
            OutboxSchema.migrateLibrary(before.dataSource());
            OutboxSchema.migrateLibrary(after.dataSource());
            assertThat(systemIdentifier(after)).isNotEqualTo(systemIdentifier(before));

            try (RelayProcess relay = new RelayProcess(environment(before, kafka, name, "debezium")).start()) {
                awaitStreaming(relay);
                assertThat(relay.terminate()).isZero();
            }
            try (RelayProcess relay = new RelayProcess(environment(after, kafka, name, "debezium")).start()) {
                exitCode(relay);
                assertThat(relay.output()).contains("another PostgreSQL cluster", systemIdentifier(before),
                        systemIdentifier(after), "OUTBOX_SLOT_RECREATE=accept-gap");
            }
            assertThat(slots(after, name)).as("no slot created on the other cluster").isZero();
        }
    }

    /**
     * At-least-once opens the stream as soon as the checks find the slot, before they read the record: a record that
     * refuses the source then leaves that stream to be closed unused, and the slot neither held nor moved.
     */
    @Test
    void aRefusalAfterTheStreamBeganOpeningReleasesTheSlotUntouched(TestDatabase database, Kafka kafka)
            throws Exception {
        String name = "refused_while_opening";
        database.execute("SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput', false, false, true)");
        String confirmed = slotConfirmed(database, name);
        writeRecord(kafka, name, new PositionRecord(new SourceIdentity("1234567890", 1, database.name(), name), 0,
                null).format());
        ListAppender<ILoggingEvent> sourceLines = new ListAppender<>();
        sourceLines.start();
        Logger sourceLog = (Logger) LoggerFactory.getLogger(SourceDatabase.class);
        sourceLog.addAppender(sourceLines);
        try (Relay relay = new Relay(RelayConfig.from(environment(database, kafka, name, "debezium")))) {
            relay.start();
            relay.awaitTermination();
            assertThat(relay.failure()).hasMessageContaining("another PostgreSQL cluster");
            // The stream's opening thread may still log while this one reads; logback appends holding the appender.
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                synchronized (sourceLines) {
                    return List.copyOf(sourceLines.list);
                }
            }, lines -> lines.stream()
                    .anyMatch(line -> line.getFormattedMessage().startsWith("Debezium streams slot " + name)));
            await().atMost(Duration.ofSeconds(30)).until(() -> !slotActive(database, name));
        } finally {
            sourceLog.detachAppender(sourceLines);
        }
        assertThat(slotConfirmed(database, name)).isEqualTo(confirmed);
    }

    private static String slotConfirmed(TestDatabase database, String slot) {
        return database.dsl().fetchValue("SELECT confirmed_flush_lsn::text FROM pg_replication_slots "
                + "WHERE slot_name = ?", slot).toString();
    }

    private static boolean slotActive(TestDatabase database, String slot) {
        return Boolean.TRUE.equals(database.dsl().fetchValue("SELECT active FROM pg_replication_slots "
                + "WHERE slot_name = ?", slot));
    }

    @Test
    void exactlyOncePositionOfAnotherClusterIsRefused(TestDatabase database, Kafka kafka) throws Exception {
        String name = "eos_foreign";
        database.execute("SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput')");
        writeRecord(kafka, name, new PositionRecord(new SourceIdentity("1234567890", 1, database.name(), name),
                walPosition(database), null).format());

        Map<String, String> environment = environment(database, kafka, name, "pgoutput");
        environment.put("OUTBOX_DELIVERY", "exactly-once");
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            exitCode(relay);
            assertThat(relay.output()).contains("relay " + name + " streamed from database " + database.name(),
                    "cluster 1234567890", "another PostgreSQL cluster");
        }
    }

    @Test
    void exactlyOncePositionOfAnotherTimelineIsRefused(TestDatabase database, Kafka kafka) throws Exception {
        String name = "eos_timeline";
        database.execute("SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput')");
        writeRecord(kafka, name, new PositionRecord(new SourceIdentity(systemIdentifier(database), 7,
                database.name(), name), walPosition(database), null).format());

        Map<String, String> environment = environment(database, kafka, name, "pgoutput");
        environment.put("OUTBOX_DELIVERY", "exactly-once");
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            exitCode(relay);
            assertThat(relay.output()).contains("was committed on timeline 7", "timeline changed from 7 to 1");
        }
    }

    @Test
    void oldFormatExactlyOncePositionIsUpgradedAndKept(TestDatabase database, Kafka kafka) throws Exception {
        String name = "eos_upgrade";
        database.execute("SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput')");
        long position = walPosition(database);
        writeRecord(kafka, name, Long.toString(position));

        Map<String, String> environment = environment(database, kafka, name, "pgoutput");
        environment.put("OUTBOX_DELIVERY", "exactly-once");
        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".orders");
                RelayProcess relay = new RelayProcess(environment).start()) {
            awaitStreaming(relay);
            assertThat(relay.output()).contains("upgraded the position record of relay " + name);
            PositionRecord upgraded = newestRecord(kafka, name);
            assertThat(upgraded.identity()).isEqualTo(new SourceIdentity(systemIdentifier(database), 1,
                    database.name(), name));
            assertThat(upgraded.position()).isEqualTo(position);

            String id = Outboxes.insertCommitted(database, "orders", "o-1", "{}");
            assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(60)))
                    .extracting(r -> Outboxes.header(r, "id")).containsExactly(id);
            await().atMost(Duration.ofSeconds(30)).until(() -> newestRecord(kafka, name).position() > position);
            assertThat(newestRecord(kafka, name).identity()).as("each committed position carries the source")
                    .isEqualTo(upgraded.identity());
            assertThat(relay.terminate()).isZero();
        }
    }

    @Test
    void invalidatedSlotIsRefusedAndNotRecreated(Kafka kafka) throws Exception {
        String name = "invalidated";
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(EmbeddedPostgresServer.Options.defaults()
                .withSetting("max_slot_wal_keep_size", "1MB"))) {
            TestDatabase database = server.createDatabase("t_invalidated");
            OutboxSchema.migrateLibrary(database.dataSource());
            try (RelayProcess relay = new RelayProcess(environment(database, kafka, name, "pgoutput")).start()) {
                awaitStreaming(relay);
                assertThat(relay.terminate()).isZero();
            }
            await("the slot invalidated").atMost(Duration.ofSeconds(60)).until(() -> {
                insertRows(database, "filler", 10);
                database.execute("SELECT pg_switch_wal()", "CHECKPOINT");
                return "lost".equals(database.dsl().fetchValue(
                        "SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?", name));
            });
            try (RelayProcess relay = new RelayProcess(environment(database, kafka, name, "pgoutput")).start()) {
                exitCode(relay);
                assertThat(relay.output()).contains("replication slot " + name + " is lost or invalidated");
            }
            assertThat(database.dsl().fetchValue("SELECT wal_status FROM pg_replication_slots WHERE slot_name = ?",
                    name)).isEqualTo("lost");
        }
    }

    private static String systemIdentifier(TestDatabase database) {
        return String.valueOf(database.dsl().fetchValue("SELECT system_identifier FROM pg_control_system()"));
    }

    private static long walPosition(TestDatabase database) {
        return ((Number) database.dsl().fetchValue("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"))
                .longValue();
    }

    private static void writeRecord(Kafka kafka, String name, String value) throws Exception {
        kafka.createTopic(POSITIONS, 1, Map.of("cleanup.policy", "compact"));
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(POSITIONS, 0, name.getBytes(StandardCharsets.UTF_8),
                    value.getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    private static PositionRecord newestRecord(Kafka kafka, String name) {
        return Outboxes.positionRecord(kafka.bootstrapServers(), POSITIONS, name);
    }
}
