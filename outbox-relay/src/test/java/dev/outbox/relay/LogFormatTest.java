package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogFormatTest {

    @Test
    void jsonFormatWritesOneJsonObjectPerEvent() throws Exception {
        String line = logOneLine(Map.of("OUTBOX_LOG_FORMAT", "json"));

        JsonNode event = new ObjectMapper().readTree(line);
        assertThat(event.path("level").asText()).isEqualTo("INFO");
        assertThat(event.path("loggerName").asText()).isEqualTo("dev.outbox.relay.Relay");
        assertThat(event.path("formattedMessage").asText()).isEqualTo("relay orders_relay started");
    }

    @Test
    void jsonFormatMasksSecretsInTheMessageAndTheExceptionAndStaysJson() throws Exception {
        Secrets.register("canary-json-pw-91c2");
        RuntimeException failure = new RuntimeException("connect failed for jdbc:postgresql://db/x?password=\"quoted\"",
                new IllegalStateException("cause with canary-json-pw-91c2"));

        String line = logOneLine(Map.of("OUTBOX_LOG_FORMAT", "json"), "login with canary-json-pw-91c2 refused", failure);

        JsonNode event = new ObjectMapper().readTree(line);
        assertThat(event.path("formattedMessage").asText()).isEqualTo("login with **** refused");
        assertThat(line).doesNotContain("canary-json-pw-91c2").doesNotContain("quoted");
    }

    @Test
    void anUnknownLogFormatIsRefused() {
        Map<String, String> values = new HashMap<>(Map.of("OUTBOX_DB_URL", "jdbc:postgresql://db:5432/orders",
                "OUTBOX_DB_USER", "outbox_relay", "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"));
        values.put("OUTBOX_LOG_FORMAT", "xml");

        assertThatThrownBy(() -> RelayConfig.from(values)).isInstanceOf(RelayConfigException.class)
                .hasMessageContaining("OUTBOX_LOG_FORMAT");
    }

    @Test
    void theConfigurationLogsNoStatusOfItsOwn() throws Exception {
        for (Map<String, String> properties : List.of(Map.<String, String>of(), Map.of("OUTBOX_LOG_FORMAT", "json"))) {
            LoggerContext context = configured(properties);
            try {
                // Logback prints its whole start-up status before the first line when any of it is a warning.
                assertThat(context.getStatusManager().getCopyOfStatusList())
                        .as("logback status with %s", properties)
                        .allMatch(status -> status.getEffectiveLevel() == ch.qos.logback.core.status.Status.INFO);
            } finally {
                context.stop();
            }
        }
    }

    @Test
    void debeziumsWarningsAboutItsSnapshotImplementationsAreLeftOut() throws Exception {
        LoggerContext context = configured(Map.of());
        try {
            for (String name : List.of("io.debezium.snapshot.SnapshotQueryProvider",
                    "io.debezium.snapshot.SnapshotLockProvider")) {
                assertThat(context.getLogger(name).isEnabledFor(Level.WARN)).as(name).isFalse();
            }
            assertThat(context.getLogger("io.debezium.connector.postgresql.PostgresConnectorTask")
                    .isEnabledFor(Level.WARN)).isTrue();
        } finally {
            context.stop();
        }
    }

    @Test
    void outboxLogLevelSetsTheRelaysAndTheDriversLevelAndKeepsJavaUtilLoggingInStep() {
        LoggerContext context = configured(Map.of("OUTBOX_LOG_LEVEL", "DEBUG"));
        try {
            assertThat(context.getLogger("dev.outbox.relay.Relay").isDebugEnabled()).isTrue();
            assertThat(context.getLogger("org.postgresql.core").isDebugEnabled()).isTrue();
            assertThat(context.getLogger("org.apache.kafka.clients").isInfoEnabled()).isFalse();
            assertThat(context.getCopyOfListenerList()).hasAtLeastOneElementOfType(
                    ch.qos.logback.classic.jul.LevelChangePropagator.class);
        } finally {
            context.stop();
        }
        LoggerContext defaults = configured(Map.of());
        try {
            assertThat(defaults.getLogger("dev.outbox.relay.Relay").isInfoEnabled()).isTrue();
            assertThat(defaults.getLogger("dev.outbox.relay.Relay").isDebugEnabled()).isFalse();
            assertThat(defaults.getLogger("org.postgresql.core").isInfoEnabled()).isFalse();
            assertThat(defaults.getLogger("org.postgresql.core").isEnabledFor(Level.WARN)).isTrue();
        } finally {
            defaults.stop();
        }
    }

    @Test
    void textIsTheDefaultFormat() throws Exception {
        String line = logOneLine(Map.of());

        assertThat(line).doesNotStartWith("{").contains(" INFO ").endsWith("- relay orders_relay started");
    }

    @Test
    void logFormatIsASettingOfTheRelay() {
        Map<String, String> values = new HashMap<>(Map.of("OUTBOX_DB_URL", "jdbc:postgresql://db:5432/orders",
                "OUTBOX_DB_USER", "outbox_relay", "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"));
        values.put("OUTBOX_LOG_FORMAT", "json");

        assertThat(RelayConfig.from(values).relayName()).isEqualTo("outbox_relay");
    }

    /** A fresh logback context with the relay's configuration: how its one appender writes an event. */
    @SuppressWarnings("unchecked")
    private static String logOneLine(Map<String, String> properties) throws Exception {
        return logOneLine(properties, "relay {} started", null);
    }

    @SuppressWarnings("unchecked")
    private static String logOneLine(Map<String, String> properties, String message, Throwable failure)
            throws Exception {
        LoggerContext context = configured(properties);
        try {
            List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
            context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(appenders::add);
            assertThat(appenders).as("appenders of the root logger").hasSize(1);
            Logger logger = context.getLogger("dev.outbox.relay.Relay");
            LoggingEvent event = new LoggingEvent(Logger.FQCN, logger, Level.INFO, message, failure,
                    new Object[] {"orders_relay"});
            byte[] encoded = ((OutputStreamAppender<ILoggingEvent>) appenders.getFirst()).getEncoder().encode(event);
            return new String(encoded, StandardCharsets.UTF_8).strip();
        } finally {
            context.stop();
        }
    }

    /** A fresh logback context with the relay's configuration for the settings {@code properties}. */
    private static LoggerContext configured(Map<String, String> properties) {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        LogConfiguration.apply(context, properties::get);
        return context;
    }
}
