package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The relay's health signals stay true while its thread waits: retained WAL and liveness. */
@OutboxInfraTest
class RelayHealthIT {

    private static final Pattern RETAINED_WAL = Pattern.compile(
            "(?m)^outbox_relay_slot_retained_wal_bytes\\{[^}]*} (\\S+)$");

    private static RelayConfig config(TestDatabase database, String bootstrap, String name, Map<String, String> extra) {
        Map<String, String> values = Outboxes.relaySettings(database, bootstrap, name);
        values.putAll(extra);
        return RelayConfig.from(values);
    }

    private static long retainedWalMetric(Relay relay) {
        Matcher matcher = RETAINED_WAL.matcher(relay.metrics().scrape());
        return matcher.find() ? (long) Double.parseDouble(matcher.group(1)) : -1;
    }

    /** Pauses (SIGSTOP) or resumes (SIGCONT) the broker: its connections stay open and its answers stop. */
    private static void signal(KafkaBrokerProcess broker, String signal) throws IOException, InterruptedException {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(broker.pid())).start().waitFor()).isZero();
    }

    @Test
    void retainedWalIsSampledWhileTheRelayThreadWaitsForKafka(TestDatabase database) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        database.execute("CREATE TABLE IF NOT EXISTS busy_while_waiting (id bigserial PRIMARY KEY, filler text)");
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start();
                Relay relay = new Relay(config(database, broker.bootstrapServers(), "wal_sampled",
                        Map.of("OUTBOX_BATCH_MAX_RECORDS", "10", "OUTBOX_SOURCE", "pgoutput")))) {
            relay.start();
            await().atMost(Duration.ofSeconds(60)).until(relay::ready);
            Outboxes.insertCommitted(database, "orders", "o-0", "{\"i\": 0}");
            await().atMost(Duration.ofSeconds(30)).until(() -> relay.metrics().relayedTotal() == 1);

            signal(broker, "STOP");
            try {
                // More rows than the relay may have unconfirmed: its thread now waits for acknowledgements.
                for (int i = 1; i <= 30; i++) {
                    Outboxes.insertCommitted(database, "orders", "o-" + i, "{\"i\": " + i + "}");
                }
                database.execute("INSERT INTO busy_while_waiting (filler) SELECT repeat('x', 1000) "
                        + "FROM generate_series(1, 30000)");
                long retained = Outboxes.retainedWal(database, "wal_sampled");
                assertThat(retained).as("WAL the slot holds back").isGreaterThan(20L * 1024 * 1024);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(retainedWalMetric(relay))
                        .as("the metric follows the slot while Kafka does not answer")
                        .isGreaterThanOrEqualTo(retained));
            } finally {
                signal(broker, "CONT");
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> relay.metrics().relayedTotal() >= 31);
        }
    }

    @Test
    void liveIsDownWhileTheRelayThreadIsStuckAndUpWhileItIdlesOrGoesOn(TestDatabase database,
            dev.outbox.testkit.Kafka kafka) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        Relay relay;
        System.setProperty("outbox.relay.fault", "stall-relay-thread");
        System.setProperty("outbox.relay.fault.min-rows", "2");
        try {
            relay = new Relay(config(database, kafka.bootstrapServers(), "liveness",
                    Map.of("OUTBOX_LIVENESS_TIMEOUT_MS", "2000")));
        } finally {
            System.clearProperty("outbox.relay.fault");
            System.clearProperty("outbox.relay.fault.min-rows");
        }
        try (relay) {
            relay.start();
            await().atMost(Duration.ofSeconds(60)).until(relay::ready);
            Outboxes.insertCommitted(database, "orders", "o-1", "{\"i\": 1}");
            await().atMost(Duration.ofSeconds(30)).until(() -> relay.metrics().relayedTotal() == 1);
            await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(5)).until(relay::alive);

            // The second row makes the relay thread stop without a sign of life (the test hook).
            Outboxes.insertCommitted(database, "orders", "o-2", "{\"i\": 2}");
            await().atMost(Duration.ofSeconds(10)).until(() -> !relay.alive());
            await().atMost(FaultInjection.STALL.plusSeconds(10)).until(relay::alive);
            await().atMost(Duration.ofSeconds(30)).until(() -> relay.metrics().relayedTotal() == 2);
        }
    }
}
