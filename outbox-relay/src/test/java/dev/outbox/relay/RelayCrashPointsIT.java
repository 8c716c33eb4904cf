package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Deterministic crashes inside one 500-row COPY in exactly-once mode: the relay halts (as {@code kill -9} would)
 * exactly at one point of the cycle for the Kafka transaction that carries the COPY, through its
 * {@link FaultInjection} hook, and is restarted. A read_committed consumer must see every row exactly once.
 */
@OutboxInfraTest
class RelayCrashPointsIT {

    private static final String POSITIONS = "crash-it.positions";
    private static final int COPY_ROWS = 500;
    private static final int SINGLE_ROWS = 20;

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    private static Map<String, String> environment(TestDatabase database, Kafka kafka, String name) {
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_BATCH_MAX_RECORDS", "50");
        environment.put("OUTBOX_DELIVERY", "exactly-once");
        environment.put("OUTBOX_POSITION_TOPIC", POSITIONS);
        return environment;
    }

    @ParameterizedTest
    @ValueSource(strings = {"before-kafka-commit", "after-kafka-commit", "after-slot-confirm"})
    void aHaltInsideOneCopyLosesNothingAndRepeatsNothing(String point, TestDatabase database, Kafka kafka)
            throws Exception {
        String name = "crash_" + point.replace('-', '_');
        kafka.createTopic(name + ".crash", 3);
        database.execute("SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput')");
        long slotAtCreation = Outboxes.slotConfirmed(database, name);
        try (Connection connection = database.dataSource().getConnection()) {
            for (int i = 0; i < SINGLE_ROWS; i++) {
                Outboxes.insert(connection, "crash", "single-" + (i % 5), "{\"i\": " + System.nanoTime() + "}");
            }
        }
        List<String> hook = List.of("-Doutbox.relay.fault=" + point,
                "-Doutbox.relay.fault.min-rows=" + COPY_ROWS);
        try (RelayProcess halting = new RelayProcess(environment(database, kafka, name), hook).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> halting.output().contains("streaming public.outbox"));
            try (Connection connection = database.dataSource().getConnection()) {
                Outboxes.copy(connection, "crash", "copy-", COPY_ROWS);
                for (int i = 0; i < SINGLE_ROWS; i++) {
                    Outboxes.insert(connection, "crash", "single-" + (i % 5), "{\"i\": " + System.nanoTime() + "}");
                }
            }
            assertThat(halting.awaitExit(60)).as("the relay halts at %s; its output:%n%s", point, halting.output())
                    .isEqualTo(FaultInjection.HALT_EXIT_CODE);
            assertThat(halting.output()).contains("fault injection: halting");
        }
        long slot = Outboxes.slotConfirmed(database, name);
        if (slot > slotAtCreation) {
            // A committed Kafka transaction becomes readable once its markers are written, just after the commit.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                    Outboxes.kafkaPosition(kafka.bootstrapServers(), POSITIONS, name))
                    .as("the slot is never confirmed past the position committed in Kafka")
                    .isGreaterThanOrEqualTo(slot));
        }

        int written = COPY_ROWS + 2 * SINGLE_ROWS;
        try (RelayProcess restarted = new RelayProcess(environment(database, kafka, name)).start();
                var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".crash")) {
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                for (var record : Outboxes.readAtLeast(consumer, 1, Duration.ofMillis(300))) {
                    records.add(record);
                    ids.add(Outboxes.header(record, "id"));
                }
                assertThat(ids).as("distinct rows read of %d written", written).hasSize(written);
            });
            records.addAll(Outboxes.drainQuiet(consumer));
            assertThat(records).as("records read: every row once, no duplicate").hasSize(written);
            assertThat(restarted.terminate()).isZero();
        }
    }
}
