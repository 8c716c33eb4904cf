package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestCertificates;
import dev.outbox.testkit.TestDatabase;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The relay process against a PostgreSQL server with TLS, its URL asking for {@code sslmode=verify-full} against the
 * test authority's certificate: both sources stream over TLS (the slot's walsender connection is encrypted, so
 * Debezium took the URL's TLS parameters too), and a server certificate from another authority is refused.
 */
@OutboxInfraTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayPostgresTlsIT {

    private TestCertificates certificates;
    private EmbeddedPostgresServer server;
    private TestDatabase database;

    @BeforeAll
    void startTlsServer() {
        certificates = TestCertificates.generate();
        server = EmbeddedPostgresServer.start(EmbeddedPostgresServer.Options.defaults().withTls(certificates));
        database = server.createDatabase("relay_tls");
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    @AfterAll
    void stopTlsServer() {
        database.close();
        server.close();
        certificates.delete();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"debezium", "pgoutput"})
    void rowsAreRelayedOverAVerifiedTlsConnection(String source, Kafka kafka) throws Exception {
        String name = "tls_" + source;
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_DB_URL", verifyFullUrl(certificates));
        environment.put("OUTBOX_SOURCE", source);
        try (RelayProcess relay = new RelayProcess(environment).start();
             var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".Tls")) {
            await().atMost(Duration.ofSeconds(90)).until(() -> relay.output().contains("streaming public.outbox"));
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                ids.add(Outboxes.insertCommitted(database, "Tls", "a-" + i, "{\"i\": " + i + "}"));
            }

            var records = Outboxes.readAtLeast(consumer, ids.size(), Duration.ofSeconds(60));

            assertThat(records).extracting(record -> Outboxes.header(record, "id"))
                    .containsExactlyInAnyOrderElementsOf(ids);
            assertThat(database.dsl().fetchValue("""
                    SELECT s.ssl FROM pg_replication_slots r JOIN pg_stat_ssl s ON s.pid = r.active_pid
                     WHERE r.slot_name = ?""", name)).as("the slot is read over TLS").isEqualTo(true);
            assertThat(relay.terminate()).isZero();
        }
    }

    @Test
    void aServerCertificateFromAnotherAuthorityIsRefused(Kafka kafka) throws Exception {
        TestCertificates other = TestCertificates.generate();
        try {
            Map<String, String> environment = RelayProcess.environment(database, kafka, "tls_untrusted");
            environment.put("OUTBOX_DB_URL", verifyFullUrl(other));
            try (RelayProcess relay = new RelayProcess(environment).start()) {
                assertThat(relay.awaitExit(60)).isEqualTo(1);
                assertThat(relay.output()).contains("cannot connect to PostgreSQL").contains("SSL");
            }
        } finally {
            other.delete();
        }
    }

    private String verifyFullUrl(TestCertificates trusted) {
        return database.jdbcUrl() + "?sslmode=verify-full&sslrootcert=" + trusted.caCertificate();
    }
}
