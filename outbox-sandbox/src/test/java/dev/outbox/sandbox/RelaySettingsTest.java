package dev.outbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RelaySettingsTest {

    private static final Map<String, String> SERVERS =
            Map.of("OUTBOX_DB_URL", "jdbc:postgresql://127.0.0.1:5432/orders");

    @Test
    void relaysReadTheSlotWithThePgoutputSourceByDefault() {
        Map<String, String> environment = RelaySettings.environment(SERVERS, Map.of());

        assertThat(environment).containsEntry("OUTBOX_SOURCE", "pgoutput")
                .containsEntry("OUTBOX_DB_URL", "jdbc:postgresql://127.0.0.1:5432/orders");
    }

    @Test
    void aSourceInTheSandboxEnvironmentWins() {
        Map<String, String> environment = RelaySettings.environment(SERVERS, Map.of("OUTBOX_SOURCE", "debezium"));

        assertThat(environment).containsEntry("OUTBOX_SOURCE", "debezium");
    }
}
