package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Canary secrets in every place a deployment puts them; the relay process (logging as the shipped jar does) is taken
 * through a failed start, a start, a lost replication connection and a stop, and none of the canaries may appear in
 * its output or in its HTTP answers. Lines of the JDBC driver, which logs through java.util.logging, are included.
 */
@OutboxInfraTest
class RelaySecretsIT {

    private static final List<String> CANARIES = List.of("canary-pw-7f3a", "canary-urlpw-7f3a", "canary-sslpw-7f3a",
            "canary-jaas-7f3a", "canary-key-7f3a", "canary-secret-7f3a");

    /** The embedded server trusts local connections, so the canary passwords do not stop the relay. */
    private static Map<String, String> withCanaries(Map<String, String> environment) {
        environment.put("OUTBOX_DB_URL", environment.get("OUTBOX_DB_URL")
                + "?password=canary-urlpw-7f3a&sslpassword=canary-sslpw-7f3a");
        environment.put("OUTBOX_DB_PASSWORD", "canary-pw-7f3a");
        environment.put("OUTBOX_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule "
                + "required username=\"relay\" password=\"canary-jaas-7f3a\";");
        environment.put("OUTBOX_KAFKA_SSL_KEY_PASSWORD", "canary-key-7f3a");
        environment.put("OUTBOX_KAFKA_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET", "canary-secret-7f3a");
        environment.put("OUTBOX_LOG_LEVEL", "DEBUG");
        return environment;
    }

    @Test
    void noSecretAppearsInLogsErrorLinesHealthOrMetrics(TestDatabase database, Kafka kafka) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        StringBuilder seen = new StringBuilder();

        Map<String, String> unreachable = withCanaries(RelayProcess.environment(database, kafka, "secrets_failed"));
        unreachable.put("OUTBOX_DB_URL", "jdbc:postgresql://127.0.0.1:1/" + database.name()
                + "?password=canary-urlpw-7f3a&sslpassword=canary-sslpw-7f3a");
        try (RelayProcess relay = new RelayProcess(unreachable).start()) {
            assertThat(relay.awaitExit(60)).isEqualTo(1);
            assertThat(relay.output()).contains("cannot connect to PostgreSQL", "password=****")
                    .as("logged through the relay's own logging configuration (ISO-8601 time stamps)")
                    .containsPattern("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}\\S* (INFO|WARN|ERROR) ");
            seen.append(relay.output());
        }

        int port = RelayEndpoints.freePort();
        RelayEndpoints endpoints = new RelayEndpoints(port);
        Map<String, String> environment = withCanaries(RelayProcess.environment(database, kafka, "secrets"));
        environment.put("OUTBOX_HTTP_PORT", Integer.toString(port));
        try (RelayProcess relay = new RelayProcess(environment).start();
                var consumer = Outboxes.consumer(kafka.bootstrapServers(), "secrets.orders")) {
            await("relay ready").atMost(Duration.ofSeconds(90)).until(() -> endpoints.status("/health/ready") == 200);
            Outboxes.insertCommitted(database, "orders", "o-1", "{}");
            assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(60))).hasSize(1);
            readEndpoints(endpoints, seen);

            // A failing connection: the walsender is terminated, the relay logs the loss and reconnects.
            database.execute("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
                    + "WHERE slot_name = 'secrets' AND active_pid IS NOT NULL");
            await("stream lost").atMost(Duration.ofSeconds(60)).until(() -> relay.output().contains("reconnecting")
                    || relay.output().contains("re-reading"));
            await("relay ready again").atMost(Duration.ofSeconds(90))
                    .until(() -> endpoints.status("/health/ready") == 200);
            Outboxes.insertCommitted(database, "orders", "o-2", "{}");
            // At least once: o-1 may come again when the slot had not yet been told it was delivered.
            List<String> keys = new ArrayList<>();
            await("o-2 delivered").atMost(Duration.ofSeconds(60)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> keys.add(Outboxes.key(record)));
                return keys.contains("o-2");
            });
            assertThat(keys).allMatch(key -> key.equals("o-1") || key.equals("o-2"));
            readEndpoints(endpoints, seen);

            assertThat(relay.terminate()).isZero();
            assertThat(relay.output()).contains("starting outbox-relay", "password=****", "stopped cleanly")
                    .as("pgjdbc's own line (java.util.logging), bridged into the masked appender")
                    .containsPattern("DEBUG \\[[^]]+\\] o(rg)?\\.postgresql\\.Driver - Connecting with URL: "
                            + "\\S*password=\\*\\*\\*\\*");
            seen.append(relay.output());
        }

        for (String canary : CANARIES) {
            assertThat(seen.toString()).as("output and HTTP answers").doesNotContain(canary);
        }
    }

    private static void readEndpoints(RelayEndpoints endpoints, StringBuilder seen) throws Exception {
        for (String path : new String[] {"/health/live", "/health/ready", "/metrics"}) {
            seen.append(endpoints.body(path)).append('\n');
        }
        assertThat(seen.toString()).contains("outbox_relay_events_total");
    }
}
