package dev.outbox.sample.support;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.status.Status;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogFormatEncoderTest {

    private final LoggerContext context = new LoggerContext();

    @Test
    void anUnknownFormatLogsTextAfterAWarningThatNamesTheSetting() {
        String line = encodeWith("JSON");

        assertThat(line).doesNotStartWith("{").endsWith("INFO service order started");
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .anyMatch(status -> status.getLevel() == Status.WARN
                        && status.getMessage().contains("OUTBOX_LOG_FORMAT must be text or json, was 'JSON'"));
    }

    @Test
    void jsonIsOneJsonObjectALine() {
        assertThat(encodeWith("json")).startsWith("{").contains("\"formattedMessage\":\"service order started\"");
    }

    private String encodeWith(String format) {
        context.setMDCAdapter(new LogbackMDCAdapter());
        LogFormatEncoder encoder = new LogFormatEncoder();
        encoder.setContext(context);
        encoder.setFormat(format);
        encoder.setPattern("%level %msg");
        encoder.start();
        Logger logger = context.getLogger("dev.outbox.sample.order.OrderService");
        LoggingEvent event = new LoggingEvent(Logger.FQCN, logger, Level.INFO, "service {} started", null,
                new Object[] {"order"});
        return new String(encoder.encode(event), StandardCharsets.UTF_8).strip();
    }
}
