package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ExternalServersIT {

    @Test
    void silentExternalPostgresFailsNamingTheVariable() {
        int closedPort = FreePorts.pick();
        assertThatThrownBy(() -> TestInfra.postgresFrom(Map.of(
                "OUTBOX_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OUTBOX_TEST_PG_URL")
                .hasMessageContaining("127.0.0.1:" + closedPort)
                .hasMessageContaining("does not answer");
    }

    @Test
    void silentExternalKafkaFailsNamingTheVariable() {
        int closedPort = FreePorts.pick();
        assertThatThrownBy(() -> TestInfra.kafkaFrom(Map.of(
                "OUTBOX_TEST_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + closedPort)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OUTBOX_TEST_KAFKA_BOOTSTRAP_SERVERS")
                .hasMessageContaining("127.0.0.1:" + closedPort);
    }

    @Test
    void malformedExternalPostgresUrlIsRejected() {
        assertThatThrownBy(() -> TestInfra.postgresFrom(Map.of("OUTBOX_TEST_PG_URL", "postgres://nowhere")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("OUTBOX_TEST_PG_URL must look like jdbc:postgresql://");
    }
}
