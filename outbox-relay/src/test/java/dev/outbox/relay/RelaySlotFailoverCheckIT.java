package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 2: the relay creates a failover slot on PostgreSQL 17+, reports whether a standby keeps a copy
 * (log line and metric), and with OUTBOX_SLOT_REQUIRE_FAILOVER=true refuses to stream from a slot no standby keeps.
 * The positive case (a standby that keeps a copy) is in {@link RelayPostgresFailoverIT}.
 */
@OutboxInfraTest
class RelaySlotFailoverCheckIT {

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    private static Map<String, String> environment(TestDatabase database, Kafka kafka, String name) {
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_SOURCE", "pgoutput");
        environment.put("OUTBOX_POSITION_TOPIC", "failover-check-it.positions");
        return environment;
    }

    @Test
    void slotIsAFailoverSlotAndAServerWithoutStandbyIsReportedNotReady(TestDatabase database, Kafka kafka)
            throws Exception {
        String name = "failover_check";
        int httpPort = RelayEndpoints.freePort();
        Map<String, String> environment = environment(database, kafka, name);
        environment.put("OUTBOX_HTTP_PORT", Integer.toString(httpPort));
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> relay.output().contains("streaming public.outbox")
                    || !relay.isAlive());
            assertThat(relay.output()).contains("replication slot " + name + " is not protected against a "
                    + "PostgreSQL failover: synchronized_standby_slots is not set on the primary");
            assertThat(new RelayEndpoints(httpPort).body("/metrics"))
                    .containsPattern("outbox_relay_slot_failover_ready\\{[^}]*\\} 0\\.0");
            assertThat(relay.terminate()).isZero();
        }
        assertThat(database.dsl().fetchValue("SELECT failover FROM pg_replication_slots WHERE slot_name = ?", name))
                .as("created with failover = true").isEqualTo(true);
    }

    @Test
    void requiredFailoverStopsARelayWhoseSlotNoStandbyKeeps(TestDatabase database, Kafka kafka) throws Exception {
        String name = "failover_required";
        Map<String, String> environment = environment(database, kafka, name);
        environment.put("OUTBOX_SLOT_REQUIRE_FAILOVER", "true");
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            assertThat(relay.awaitExit(90)).as("exit code; output:%n%s", relay.output()).isEqualTo(1);
            assertThat(relay.output()).contains("is not protected against a PostgreSQL failover",
                    "OUTBOX_SLOT_REQUIRE_FAILOVER=true").doesNotContain("streaming public.outbox");
        }
    }
}
