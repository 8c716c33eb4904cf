package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.relay.source.SourceKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
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
    void bothSourcesTakeAMultiHostUrlDebeziumRefusesDriverOnlyForms() {
        Map<String, String> values = required();
        values.put("OUTBOX_DB_URL", "jdbc:postgresql://db-a:5432,db-b:5432/orders?targetServerType=primary");
        assertThat(RelayConfig.from(values).source()).isEqualTo(SourceKind.DEBEZIUM);
        values.put("OUTBOX_SOURCE", "pgoutput");
        assertThat(RelayConfig.from(values).source()).isEqualTo(SourceKind.PGOUTPUT);

        values.put("OUTBOX_DB_URL", "jdbc:postgresql:///orders");
        assertThat(RelayConfig.from(values).source()).isEqualTo(SourceKind.PGOUTPUT);
        values.put("OUTBOX_SOURCE", "debezium");
        assertThatThrownBy(() -> RelayConfig.from(values)).isInstanceOf(RelayConfigException.class)
                .hasMessageStartingWith("OUTBOX_DB_URL");
    }

    @Test
    void slotFailoverIsReportedByDefaultAndRequiredOnRequest() {
        Map<String, String> values = required();
        assertThat(RelayConfig.from(values).slotRequireFailover()).isFalse();
        values.put("OUTBOX_SLOT_REQUIRE_FAILOVER", "true");
        assertThat(RelayConfig.from(values).slotRequireFailover()).isTrue();
        values.put("OUTBOX_SLOT_REQUIRE_FAILOVER", "yes");
        assertThatThrownBy(() -> RelayConfig.from(values)).isInstanceOf(RelayConfigException.class)
                .hasMessageStartingWith("OUTBOX_SLOT_REQUIRE_FAILOVER");
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
        assertBad(Map.of("OUTBOX_KAFKA_MAX_REQUEST_SIZE", "2MB"), "OUTBOX_KAFKA_MAX_REQUEST_SIZE");
        Map<String, String> missing = required();
        missing.remove("OUTBOX_DB_URL");
        assertThatThrownBy(() -> RelayConfig.from(missing)).isInstanceOf(RelayConfigException.class)
                .hasMessageStartingWith("OUTBOX_DB_URL");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "OUTBOX_KAFKA_ACKS, 0, must be all",
            "OUTBOX_KAFKA_ACKS, 1, must be all",
            "OUTBOX_KAFKA_ENABLE_IDEMPOTENCE, false, must be true",
            "OUTBOX_KAFKA_TRANSACTIONAL_ID, my-id, the relay sets it itself",
            "OUTBOX_KAFKA_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 6, must be 1..5",
            "OUTBOX_KAFKA_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, many, must be 1..5",
            "OUTBOX_DEBEZIUM_PROVIDE_TRANSACTION_METADATA, false, transaction metadata",
            "OUTBOX_DEBEZIUM_PROVIDE_TRANSACTION_METADATA, true, the relay sets it itself",
            "OUTBOX_DEBEZIUM_SNAPSHOT_MODE, initial, never snapshots",
            "OUTBOX_DEBEZIUM_SLOT_NAME, other_slot, OUTBOX_RELAY_NAME",
            "OUTBOX_DEBEZIUM_PUBLICATION_NAME, other_pub, OUTBOX_PUBLICATION",
            "OUTBOX_DEBEZIUM_PLUGIN_NAME, decoderbufs, pgoutput",
            "OUTBOX_DEBEZIUM_OFFSET_STORAGE, org.apache.kafka.connect.storage.FileOffsetBackingStore, SlotOffsetStore",
            "OUTBOX_DEBEZIUM_OFFSET_STORAGE_FILE_FILENAME, /tmp/offsets, SlotOffsetStore",
            "OUTBOX_DEBEZIUM_OUTBOX_START_POSITION, 0, confirmed position",
            "OUTBOX_DEBEZIUM_TABLE_INCLUDE_LIST, public.other, OUTBOX_TABLE",
            "OUTBOX_DEBEZIUM_TABLE_EXCLUDE_LIST, public.outbox, OUTBOX_TABLE",
            "OUTBOX_DEBEZIUM_PUBLICATION_AUTOCREATE_MODE, filtered, must not alter it",
            "OUTBOX_DEBEZIUM_SKIPPED_OPERATIONS, none, inserts only",
            "OUTBOX_DEBEZIUM_MESSAGE_PREFIX_INCLUDE_LIST, '', idle heartbeat",
            "OUTBOX_DEBEZIUM_ERRORS_MAX_RETRIES, 10, fail-closed slot checks",
            "OUTBOX_DEBEZIUM_RECORD_PROCESSING_ORDER, UNORDERED, commit order",
            "OUTBOX_DEBEZIUM_TOPIC_TRANSACTION, tx, transaction-metadata records",
            "OUTBOX_DEBEZIUM_TRANSFORMS, route, in-process",
            "OUTBOX_DEBEZIUM_DATABASE_HOSTNAME, elsewhere, OUTBOX_DB_URL",
            "OUTBOX_DEBEZIUM_DATABASE_PASSWORD, pw, OUTBOX_DB_PASSWORD",
            "OUTBOX_DEBEZIUM_SLOT_DROP_ON_STOP, true, loses every row",
            "OUTBOX_DEBEZIUM_LSN_FLUSH_MODE, manual, never moves it",
            "OUTBOX_DEBEZIUM_LSN_FLUSH_MODE, connector_and_driver, keepalives",
            "OUTBOX_DEBEZIUM_FLUSH_LSN_SOURCE, false, transaction ends Kafka acknowledged"})
    void settingsTheGuaranteesDependOnAreRefusedNamingTheKeyAndWhy(String key, String value, String why) {
        Map<String, String> values = required();
        values.put(key, value);

        assertThatThrownBy(() -> RelayConfig.from(values))
                .isInstanceOfSatisfying(RelayConfigException.class, e -> assertThat(e.setting()).isEqualTo(key))
                .hasMessageStartingWith(key + " is refused")
                .hasMessageContaining(why);
    }

    @Test
    void safeValuesOfGuardedSettingsAreAccepted() {
        Map<String, String> values = required();
        values.put("OUTBOX_KAFKA_ACKS", "all");
        values.put("OUTBOX_KAFKA_ENABLE_IDEMPOTENCE", "true");
        values.put("OUTBOX_KAFKA_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION", "5");
        values.put("OUTBOX_DEBEZIUM_SLOT_DROP_ON_STOP", "false");
        values.put("OUTBOX_DEBEZIUM_LSN_FLUSH_MODE", "connector");
        values.put("OUTBOX_DEBEZIUM_FLUSH_LSN_SOURCE", "true");
        values.put("OUTBOX_DEBEZIUM_POLL_INTERVAL_MS", "50");
        values.put("OUTBOX_DEBEZIUM_DATABASE_SSLROOTCERT", "/certs/ca.pem");

        RelayConfig config = RelayConfig.from(values);

        assertThat(config.producerSettings()).containsEntry("acks", "all")
                .containsEntry("max.in.flight.requests.per.connection", "5");
        values.put("OUTBOX_KAFKA_ACKS", "-1");
        assertThat(RelayConfig.from(values).producerSettings()).containsEntry("acks", "-1");
    }

    @Test
    void kubernetesServiceLinkVariablesAreIgnored() {
        Map<String, String> values = required();
        // A Service named outbox-relay (ports 8090 "http" and 9404), one named outbox-kafka, one outbox-debezium.
        values.put("OUTBOX_RELAY_SERVICE_HOST", "10.0.0.1");
        values.put("OUTBOX_RELAY_SERVICE_PORT", "8090");
        values.put("OUTBOX_RELAY_SERVICE_PORT_HTTP", "8090");
        values.put("OUTBOX_RELAY_PORT", "tcp://10.0.0.1:8090");
        values.put("OUTBOX_RELAY_PORT_8090_TCP", "tcp://10.0.0.1:8090");
        values.put("OUTBOX_RELAY_PORT_8090_TCP_PROTO", "tcp");
        values.put("OUTBOX_RELAY_PORT_8090_TCP_PORT", "8090");
        values.put("OUTBOX_RELAY_PORT_8090_TCP_ADDR", "10.0.0.1");
        values.put("OUTBOX_RELAY_PORT_9404_UDP", "udp://10.0.0.1:9404");
        values.put("OUTBOX_KAFKA_SERVICE_HOST", "10.0.0.2");
        values.put("OUTBOX_KAFKA_PORT", "tcp://10.0.0.2:9092");
        values.put("OUTBOX_KAFKA_PORT_9092_TCP_ADDR", "10.0.0.2");
        values.put("OUTBOX_DEBEZIUM_SERVICE_HOST", "10.0.0.3");
        values.put("OUTBOX_DEBEZIUM_PORT", "tcp://10.0.0.3:8083");
        values.put("OUTBOX_SOURCE", "pgoutput");

        RelayConfig config = RelayConfig.from(values);

        assertThat(config.producerSettings()).isEmpty();
        assertThat(config.debeziumSettings()).isEmpty();
        assertThat(config.httpPort()).isEqualTo(8090);
    }

    @Test
    void typosAreStillRefusedAmongServiceLinks() {
        assertBad(Map.of("OUTBOX_RELAY_SERVICE_HOST", "10.0.0.1", "OUTBOX_DB_URLL", "jdbc:postgresql://db/x"),
                "OUTBOX_DB_URLL");
        // Named like a service link, but its value is no Kubernetes address: a typo of OUTBOX_HTTP_PORT.
        assertBad(Map.of("OUTBOX_HTTPS_PORT", "8091"), "OUTBOX_HTTPS_PORT");
        assertBad(Map.of("OUTBOX_RELAY_SERVICE_PORT", "eighty"), "OUTBOX_RELAY_SERVICE_PORT");
    }

    @Test
    void aServiceLinkThatCollidesWithARealSettingIsNamedWithTheFix() {
        Map<String, String> values = required();
        values.put("OUTBOX_HTTP_PORT", "tcp://10.0.0.9:8090");

        assertThatThrownBy(() -> RelayConfig.from(values)).isInstanceOf(RelayConfigException.class)
                .hasMessageStartingWith("OUTBOX_HTTP_PORT")
                .hasMessageContaining("Service named outbox-http")
                .hasMessageContaining("enableServiceLinks: false");
    }

    @Test
    void exactlyOnceRequiresAnExplicitRelayName() {
        Map<String, String> values = required();
        values.put("OUTBOX_DELIVERY", "exactly-once");

        assertThatThrownBy(() -> RelayConfig.from(values))
                .isInstanceOfSatisfying(RelayConfigException.class,
                        e -> assertThat(e.setting()).isEqualTo("OUTBOX_RELAY_NAME"))
                .hasMessageContaining("must be set explicitly with OUTBOX_DELIVERY=exactly-once")
                .hasMessageContaining("transactional id");
        values.put("OUTBOX_RELAY_NAME", "orders");
        assertThat(RelayConfig.from(values).exactlyOnce()).isTrue();
    }

    @Test
    void shutdownTimeoutTakesSecondsOrAUnit() {
        for (var example : Map.of("45", Duration.ofSeconds(45), "45s", Duration.ofSeconds(45), "1500ms",
                Duration.ofMillis(1500), "2m", Duration.ofMinutes(2)).entrySet()) {
            Map<String, String> values = required();
            values.put("OUTBOX_SHUTDOWN_TIMEOUT", example.getKey());
            assertThat(RelayConfig.from(values).shutdownTimeout()).isEqualTo(example.getValue());
        }
        assertBad(Map.of("OUTBOX_SHUTDOWN_TIMEOUT", "soon"), "OUTBOX_SHUTDOWN_TIMEOUT");
        assertBad(Map.of("OUTBOX_SHUTDOWN_TIMEOUT", "0"), "OUTBOX_SHUTDOWN_TIMEOUT");
    }

    @Test
    void aConstantTemplateMayNotNameTheDeadLetterOrThePositionTopic() {
        assertBad(Map.of("OUTBOX_TOPIC_TEMPLATE", "outbox.dlq"), "OUTBOX_TOPIC_TEMPLATE");
        assertBad(Map.of("OUTBOX_TOPIC_TEMPLATE", "outbox.relay.positions"), "OUTBOX_TOPIC_TEMPLATE");
        assertBad(Map.of("OUTBOX_POSITION_TOPIC", "outbox.dlq"), "OUTBOX_POSITION_TOPIC");
        Map<String, String> values = required();
        values.put("OUTBOX_TOPIC_TEMPLATE", "all-events");
        assertThat(RelayConfig.from(values).topicTemplate()).isEqualTo("all-events");
    }

    @Test
    void theStartLineShowsNoSecret() {
        Map<String, String> values = required();
        values.put("OUTBOX_DB_URL", "jdbc:postgresql://db:5432/orders?sslmode=require&password=canary-pw-7f3a"
                + "&sslpassword=canary-sslpw-7f3a");
        values.put("OUTBOX_DB_PASSWORD", "canary-dbpw-7f3a");
        values.put("OUTBOX_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule "
                + "required username=\"relay\" password=\"canary-jaas-7f3a\";");
        values.put("OUTBOX_KAFKA_SSL_KEY_PASSWORD", "canary-key-7f3a");

        String line = RelayConfig.from(values).toString();

        assertThat(line).doesNotContain("canary").contains("jdbc:postgresql://db:5432/orders?sslmode=require")
                .contains("sasl.jaas.config", "ssl.key.password");
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
