package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15, gap (c): with the Debezium source the relay checks the slot, then starts Debezium, which streams from any
 * slot of that name and creates one it does not find. A slot dropped in between, or dropped and created anew (as
 * Debezium does when the drop lands just after its own check), must not be streamed from: it would start now.
 */
@OutboxInfraTest
class RelayDebeziumSlotWindowIT {

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void slotDroppedBetweenTheChecksAndDebeziumsStartStopsTheRelayAndLeavesNoNewSlot(boolean recreated,
            TestDatabase database, Kafka kafka) throws Exception {
        String name = recreated ? "recreated_window" : "dropped_window";
        Path hold = Files.createTempDirectory("relay-hold-").resolve("before-debezium-start");
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_SOURCE", "debezium");
        environment.put("OUTBOX_POSITION_TOPIC", "slot-window-it.positions");
        try (RelayProcess relay = new RelayProcess(environment,
                List.of("-Doutbox.relay.test.hold.before-debezium-start=" + hold)).start()) {
            await("the relay checked its slot and holds before Debezium starts").atMost(Duration.ofSeconds(60))
                    .until(() -> Files.exists(hold) || !relay.isAlive());
            assertThat(relay.output()).contains("created replication slot " + name + ": first start");

            database.execute("SELECT pg_drop_replication_slot('" + name + "')");
            database.execute("""
                    INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
                    SELECT gen_random_uuid(), 'window', 'a-' || i, 'Gap', jsonb_build_object('i', i)
                      FROM generate_series(1, 100) i""");
            if (recreated) {
                database.execute("SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput')");
            }
            Files.delete(hold);

            int exit = relay.awaitExit(90);
            assertThat(exit).as("exit code; output:%n%s", relay.output()).isEqualTo(1);
            assertThat(relay.output()).contains("replication slot " + name + " is missing",
                    "Rows at risk: 100 outbox rows");
            if (recreated) {
                assertThat(relay.output()).contains("replication slot " + name + " was dropped after the relay "
                        + "checked it", "a new one", "the relay dropped that slot again");
            }
        }
        assertThat(((Number) database.dsl().fetchValue(
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?", name)).longValue())
                .as("no slot left that would stream from now on at the next start").isZero();
    }
}
