package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedPostgresTlsIT {

    private TestCertificates certificates;
    private EmbeddedPostgresServer server;

    @BeforeAll
    void startServer() {
        certificates = TestCertificates.generate();
        server = EmbeddedPostgresServer.start(EmbeddedPostgresServer.Options.defaults().withTls(certificates));
    }

    @AfterAll
    void stopServer() {
        server.close();
        certificates.delete();
    }

    @Test
    void aClientVerifyingTheServerAgainstTheAuthorityConnectsOverTls() throws SQLException {
        String url = server.jdbcUrl("postgres") + "?sslmode=verify-full&sslrootcert=" + certificates.caCertificate();
        try (Connection connection = DriverManager.getConnection(url, properties());
             ResultSet ssl = connection.createStatement().executeQuery(
                     "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(ssl.next()).isTrue();
            assertThat(ssl.getBoolean(1)).isTrue();
        }
    }

    @Test
    void aClientTrustingAnotherAuthorityIsRefused() {
        TestCertificates other = TestCertificates.generate();
        try {
            String url = server.jdbcUrl("postgres") + "?sslmode=verify-full&sslrootcert=" + other.caCertificate();
            assertThatThrownBy(() -> DriverManager.getConnection(url, properties()).close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("SSL");
        } finally {
            other.delete();
        }
    }

    private Properties properties() {
        Properties properties = new Properties();
        properties.setProperty("user", server.user());
        properties.setProperty("password", server.password());
        return properties;
    }
}
