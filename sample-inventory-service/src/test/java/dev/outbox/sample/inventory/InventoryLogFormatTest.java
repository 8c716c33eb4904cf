package dev.outbox.sample.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InventoryLogFormatTest {

    @Test
    void jsonFormatWritesOneJsonObjectPerEvent() throws Exception {
        String line = logOneLine(Map.of("OUTBOX_LOG_FORMAT", "json"));

        JsonNode event = new ObjectMapper().readTree(line);
        assertThat(event.path("level").asText()).isEqualTo("INFO");
        assertThat(event.path("loggerName").asText()).isEqualTo("dev.outbox.sample.inventory.InventoryService");
        assertThat(event.path("formattedMessage").asText()).isEqualTo("service inventory started");
    }

    @Test
    void textIsTheDefaultFormat() throws Exception {
        String line = logOneLine(Map.of());

        assertThat(line).doesNotStartWith("{").contains(" INFO ").endsWith("- service inventory started");
    }

    /** A fresh logback context from the service's logback file: how its one appender writes an event. */
    @SuppressWarnings("unchecked")
    private static String logOneLine(Map<String, String> properties) throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        properties.forEach(context::putProperty);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(InventoryLogFormatTest.class.getResource("/inventory-service-logback.xml"));
            // Logback prints its whole start-up status before the first line when any of it is a warning.
            assertThat(context.getStatusManager().getCopyOfStatusList()).as("logback's status")
                    .allMatch(status -> status.getEffectiveLevel() == ch.qos.logback.core.status.Status.INFO);
            List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
            context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(appenders::add);
            assertThat(appenders).as("appenders of the root logger").hasSize(1);
            Logger logger = context.getLogger("dev.outbox.sample.inventory.InventoryService");
            LoggingEvent event = new LoggingEvent(Logger.FQCN, logger, Level.INFO, "service {} started", null,
                    new Object[] {"inventory"});
            byte[] encoded = ((OutputStreamAppender<ILoggingEvent>) appenders.getFirst()).getEncoder().encode(event);
            return new String(encoded, StandardCharsets.UTF_8).strip();
        } finally {
            context.stop();
        }
    }
}
