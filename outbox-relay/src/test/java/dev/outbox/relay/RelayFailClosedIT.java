package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.Postgres;
import dev.outbox.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Start-up problems end the relay process at once, non-zero, with one line that names the fix. */
@OutboxInfraTest
class RelayFailClosedIT {

    private static Map<String, String> environment(String url, String user, String password, Kafka kafka) {
        Map<String, String> environment = new HashMap<>();
        environment.put("OUTBOX_DB_URL", url);
        environment.put("OUTBOX_DB_USER", user);
        environment.put("OUTBOX_DB_PASSWORD", password);
        environment.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        environment.put("OUTBOX_RELAY_NAME", "fail_closed");
        environment.put("OUTBOX_HTTP_PORT", "0");
        return environment;
    }

    private static void assertFailsFast(Map<String, String> environment, String... messageParts) throws Exception {
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            long started = System.nanoTime();
            int exit = relay.awaitExit(20);
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            assertThat(exit).as("exit code; output:%n%s", relay.output()).isNotZero().isNotEqualTo(-1);
            assertThat(relay.output()).contains(messageParts);
            // The JVM's own start-up is part of the measured time; the checks themselves take milliseconds.
            assertThat(seconds).as("seconds to fail").isLessThanOrEqualTo(5);
        }
    }

    @Test
    void unknownRoleIsRefusedNamingTheSettings(TestDatabase database, Kafka kafka) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        assertFailsFast(environment(database.jdbcUrl(), "nobody_here", "wrong", kafka),
                "PostgreSQL refused OUTBOX_DB_USER 'nobody_here'", "Check OUTBOX_DB_USER and OUTBOX_DB_PASSWORD");
    }

    @Test
    void wrongPasswordIsRefusedNamingTheSettings(Kafka kafka) throws Exception {
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start()) {
            TestDatabase database = server.createDatabase("t_password");
            OutboxSchema.migrateLibrary(database.dataSource());
            database.execute("CREATE ROLE password_relay LOGIN REPLICATION PASSWORD 'the-right-one'",
                    "GRANT SELECT ON outbox TO password_relay");
            // The embedded server trusts local connections; this server (its own) asks this role for its password.
            Path hba = server.dataDirectory().resolve("pg_hba.conf");
            Files.writeString(hba, "host all password_relay all scram-sha-256\n" + Files.readString(hba));
            database.execute("SELECT pg_reload_conf()");
            Awaitility.await("PostgreSQL asks password_relay for its password").atMost(Duration.ofSeconds(10))
                    .until(() -> refuses(database.jdbcUrl(), "password_relay", "wrong-password"));
            assertThat(refuses(database.jdbcUrl(), "password_relay", "the-right-one")).isFalse();

            assertFailsFast(environment(database.jdbcUrl(), "password_relay", "wrong-password", kafka),
                    "PostgreSQL refused OUTBOX_DB_USER 'password_relay'",
                    "Check OUTBOX_DB_USER and OUTBOX_DB_PASSWORD");
        }
    }

    private static boolean refuses(String url, String user, String password) {
        try (Connection ignored = DriverManager.getConnection(url, user, password)) {
            return false;
        } catch (SQLException e) {
            return "28P01".equals(e.getSQLState());
        }
    }

    @Test
    void missingPublicationWithoutTheRightToCreateItSaysHowToCreateIt(Postgres postgres, Kafka kafka)
            throws Exception {
        try (TestDatabase database = postgres.createDatabase("t_no_publication")) {
            OutboxSchema.migrateLibrary(database.dataSource());
            database.execute("DROP PUBLICATION outbox_pub",
                    "DROP ROLE IF EXISTS limited_relay",
                    "CREATE ROLE limited_relay LOGIN REPLICATION",
                    "GRANT SELECT ON outbox TO limited_relay");
            try {
                assertFailsFast(environment(database.jdbcUrl(), "limited_relay", "", kafka),
                        "publication outbox_pub (OUTBOX_PUBLICATION) does not exist",
                        "CREATE PUBLICATION outbox_pub FOR TABLE public.outbox WITH (publish = 'insert')");
            } finally {
                database.execute("REASSIGN OWNED BY limited_relay TO postgres", "DROP OWNED BY limited_relay");
                database.dropReplicationSlots();
                database.execute("DROP ROLE limited_relay");
            }
        }
    }

    @Test
    void walLevelReplicaIsRefusedWithTheFix(Kafka kafka) throws Exception {
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(
                EmbeddedPostgresServer.Options.defaults().withSetting("wal_level", "replica"))) {
            TestDatabase database = server.createDatabase("t_replica");
            OutboxSchema.migrateLibrary(database.dataSource());
            assertFailsFast(environment(database.jdbcUrl(), server.user(), "", kafka),
                    "wal_level is 'replica'", "ALTER SYSTEM SET wal_level = logical");
        }
    }

    @Test
    void invalidSettingExitsWithCodeTwoNamingIt(Kafka kafka) throws Exception {
        Map<String, String> environment = environment("jdbc:postgresql://127.0.0.1:1/x", "u", "", kafka);
        environment.put("OUTBOX_HTTP_PORT", "eighty");
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            assertThat(relay.awaitExit(20)).isEqualTo(2);
            assertThat(relay.output()).contains("OUTBOX_HTTP_PORT must be a whole number, was 'eighty'");
        }
    }
}
