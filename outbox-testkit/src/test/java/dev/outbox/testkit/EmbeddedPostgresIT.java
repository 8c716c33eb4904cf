package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

@OutboxInfraTest
class EmbeddedPostgresIT {

    @Test
    void sharedServerRunsWithLogicalDecoding(TestDatabase database) throws Exception {
        assertThat(query(database, "SHOW wal_level")).isEqualTo("logical");
        assertThat(Integer.parseInt(query(database, "SHOW max_replication_slots"))).isGreaterThanOrEqualTo(16);
    }

    @Test
    void closingADatabaseDropsItWithItsReplicationSlots(Postgres postgres) throws Exception {
        TestDatabase database = postgres.createDatabase("t_slot_cleanup");
        database.execute("SELECT pg_create_logical_replication_slot('cleanup_slot', 'pgoutput')");

        database.close();

        try (TestDatabase other = postgres.createDatabase("t_slot_cleanup_check")) {
            assertThat(query(other, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cleanup_slot'"))
                    .isEqualTo("0");
            assertThat(query(other, "SELECT count(*) FROM pg_database WHERE datname = 't_slot_cleanup'"))
                    .isEqualTo("0");
        }
    }

    @Test
    void committedRowsSurviveKillNineAndRestart() throws Exception {
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(
                EmbeddedPostgresServer.Options.defaults().withDurable(true))) {
            TestDatabase database = server.createDatabase("t_crash");
            database.execute("CREATE TABLE kept (id int PRIMARY KEY)",
                    "INSERT INTO kept SELECT generate_series(1, 1000)");

            server.kill();
            server.restart();

            assertThat(query(database, "SELECT count(*) FROM kept")).isEqualTo("1000");
        }
    }

    static String query(TestDatabase database, String sql) throws Exception {
        try (Connection connection = database.dataSource().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
