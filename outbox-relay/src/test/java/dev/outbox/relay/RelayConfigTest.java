package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.relay.source.SourceKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayConfigTest {

    private static Map<String, String> required() {
        Map<String, String> values = new HashMap<>();
        values.put("OUTBOX_DB_URL", "jdbc:postgresql://db:5432/orders");
        values.put("OUTBOX_DB_USER", "relay");
        values.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
        return values;
    }

    @Test
    void defaultsMatchTheReadme() {
        RelayConfig config = RelayConfig.from(required());

        assertThat(config.relayName()).isEqualTo("outbox_relay");
        assertThat(config.table()).isEqualTo("public.outbox");
        assertThat(config.publication()).isEqualTo("outbox_pub");
        assertThat(config.topicTemplate()).isEqualTo("outbox.event.${aggregatetype}");
        assertThat(config.dlqTopic()).isEqualTo("outbox.dlq");
        assertThat(config.httpPort()).isEqualTo(8090);
        assertThat(config.batchMaxRecords()).isEqualTo(5000);
        assertThat(config.heartbeatInterval().toMillis()).isEqualTo(10_000);
        assertThat(config.ceSource()).isEqualTo("/outbox-relay/outbox_relay");
        assertThat(config.dbPassword()).isEmpty();
        assertThat(config.source()).isEqualTo(SourceKind.DEBEZIUM);
        assertThat(config.debeziumSettings()).isEmpty();
    }

    @Test
    void debeziumSettingsPassThroughOnlyWithTheDebeziumSource() {
        Map<String, String> values = required();
        values.put("OUTBOX_DEBEZIUM_MAX_BATCH_SIZE", "2048");
        values.put("OUTBOX_DEBEZIUM_POLL_INTERVAL_MS", "5");

        RelayConfig config = RelayConfig.from(values);

        assertThat(config.debeziumSettings()).containsEntry("max.batch.size", "2048")
                .containsEntry("poll.interval.ms", "5");
        values.put("OUTBOX_SOURCE", "pgoutput");
        assertThatThrownBy(() -> RelayConfig.from(values)).isInstanceOf(RelayConfigException.class)
                .hasMessageStartingWith("OUTBOX_DEBEZIUM_*");
    }

    @Test
    void debeziumNeedsASingleHostUrlThePgoutputSourceTakesAnyDriverUrl() {
        Map<String, String> values = required();
        values.put("OUTBOX_DB_URL", "jdbc:postgresql://db-a:5432,db-b:5432/orders?targetServerType=primary");
        assertThatThrownBy(() -> RelayConfig.from(values)).isInstanceOf(RelayConfigException.class)
                .hasMessageStartingWith("OUTBOX_DB_URL");

        values.put("OUTBOX_SOURCE", "pgoutput");
        assertThat(RelayConfig.from(values).source()).isEqualTo(SourceKind.PGOUTPUT);
    }

    @Test
    void kafkaSettingsPassThroughToTheProducer() {
        Map<String, String> values = required();
        values.put("OUTBOX_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        values.put("OUTBOX_KAFKA_SASL_JAAS_CONFIG", "secret");
        values.put("OUTBOX_KAFKA_MAX_REQUEST_SIZE", "2097152");

        RelayConfig config = RelayConfig.from(values);

        assertThat(config.producerSettings()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", "secret").containsEntry("max.request.size", "2097152")
                .doesNotContainKey("bootstrap.servers");
        assertThat(config.toString()).doesNotContain("secret");
    }

    @Test
    void eachBadSettingIsNamed() {
        assertBad(Map.of("OUTBOX_DB_URL", "postgres://db/orders"), "OUTBOX_DB_URL");
        assertBad(Map.of("OUTBOX_DB_USER", " "), "OUTBOX_DB_USER");
        assertBad(Map.of("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", ""), "OUTBOX_KAFKA_BOOTSTRAP_SERVERS");
        assertBad(Map.of("OUTBOX_RELAY_NAME", "Orders-Relay"), "OUTBOX_RELAY_NAME");
        assertBad(Map.of("OUTBOX_TABLE", "outbox"), "OUTBOX_TABLE");
        assertBad(Map.of("OUTBOX_HTTP_PORT", "http"), "OUTBOX_HTTP_PORT");
        assertBad(Map.of("OUTBOX_HTTP_PORT", "70000"), "OUTBOX_HTTP_PORT");
        assertBad(Map.of("OUTBOX_DLQ_TOPIC", "dead letters"), "OUTBOX_DLQ_TOPIC");
        assertBad(Map.of("OUTBOX_BATCH_MAX_RECORDS", "0"), "OUTBOX_BATCH_MAX_RECORDS");
        assertBad(Map.of("OUTBOX_TOPIC_TEMPLTE", "x"), "OUTBOX_TOPIC_TEMPLTE");
        assertBad(Map.of("OUTBOX_SOURCE", "wal2json"), "OUTBOX_SOURCE");
        Map<String, String> missing = required();
        missing.remove("OUTBOX_DB_URL");
        assertThatThrownBy(() -> RelayConfig.from(missing)).isInstanceOf(RelayConfigException.class)
                .hasMessageStartingWith("OUTBOX_DB_URL");
    }

    private static void assertBad(Map<String, String> override, String setting) {
        Map<String, String> values = required();
        values.putAll(override);
        assertThatThrownBy(() -> RelayConfig.from(values))
                .isInstanceOfSatisfying(RelayConfigException.class, e -> assertThat(e.setting()).isEqualTo(setting))
                .hasMessageStartingWith(setting);
    }

    @Test
    void configFileGivesTheSameKeysAndTheEnvironmentWins(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("relay.properties");
        Files.writeString(file, """
                OUTBOX_DB_URL=jdbc:postgresql://file:5432/db
                OUTBOX_DB_USER=from_file
                OUTBOX_KAFKA_BOOTSTRAP_SERVERS=file:9092
                OUTBOX_RELAY_NAME=from_file
                """);

        Map<String, String> settings = RelayMain.settings(new String[] {"--config", file.toString()},
                Map.of("OUTBOX_RELAY_NAME", "from_env", "HOME", "/root"));

        RelayConfig config = RelayConfig.from(settings);
        assertThat(config.dbUser()).isEqualTo("from_file");
        assertThat(config.relayName()).isEqualTo("from_env");
    }
}
