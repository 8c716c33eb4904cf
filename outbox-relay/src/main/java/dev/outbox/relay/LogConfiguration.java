package dev.outbox.relay;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.jul.LevelChangePropagator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import dev.outbox.relay.sink.KafkaAuthenticationLogFilter;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The relay's logging, set up in code rather than from a {@code logback.xml}: parsing an XML configuration costs a
 * cold JVM about 150 ms before the relay's first line, on the way to its first event. One console appender whose
 * {@link LogFormatEncoder} writes text or JSON ({@code OUTBOX_LOG_FORMAT}) with every secret masked; {@code dev.outbox}
 * at {@code OUTBOX_LOG_LEVEL} (INFO), the JDBC driver at {@code OUTBOX_LOG_LEVEL} (WARN), everything else at WARN.
 * A JVM started with {@code -Dlogback.configurationFile} keeps that file's configuration instead.
 */
final class LogConfiguration {

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX} %-5level [%thread] %logger{30} - %msg%n";
    private static final String FILE_PROPERTY = "logback.configurationFile";

    private static Map<String, String> installed;

    private LogConfiguration() {
    }

    /**
     * Configures the process's logback context from {@code settings} (the relay's OUTBOX_* settings), unless a
     * configuration file was named; again only when the logging settings differ from the last call.
     */
    static synchronized void install(Map<String, String> settings) {
        Map<String, String> logging = logging(settings);
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (System.getProperty(FILE_PROPERTY) != null || !(factory instanceof LoggerContext context)
                || logging.equals(installed)) {
            return;
        }
        context.reset();
        apply(context, logging::get);
        installed = logging;
    }

    private static Map<String, String> logging(Map<String, String> settings) {
        return Map.of("OUTBOX_LOG_FORMAT", settings.getOrDefault("OUTBOX_LOG_FORMAT", "text"),
                "OUTBOX_LOG_LEVEL", settings.getOrDefault("OUTBOX_LOG_LEVEL", ""));
    }

    /** Configures {@code context} (fresh or reset); {@code setting} answers null or blank for an unset name. */
    static void apply(LoggerContext context, Function<String, String> setting) {
        // java.util.logging (pgjdbc) is bridged here (LogBridge); this keeps its levels in step, so a disabled level
        // costs nothing. Added before any level is set, so it sees every one.
        LevelChangePropagator propagator = new LevelChangePropagator();
        propagator.setContext(context);
        propagator.setResetJUL(true);
        propagator.start();
        context.addListener(propagator);

        // The relay names a refused Kafka login or TLS handshake itself, once per attempt.
        KafkaAuthenticationLogFilter kafkaAuthentication = new KafkaAuthenticationLogFilter();
        kafkaAuthentication.setContext(context);
        kafkaAuthentication.start();
        context.addTurboFilter(kafkaAuthentication);

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(console(context, valueOr(setting, "OUTBOX_LOG_FORMAT", "text")));
        String level = valueOr(setting, "OUTBOX_LOG_LEVEL", null);
        // OUTBOX_LOG_LEVEL=DEBUG logs every relayed row (ids and positions, never payloads) and the JDBC driver's
        // connection events (URLs, masked like every line); the driver's warnings always.
        context.getLogger("dev.outbox").setLevel(Level.toLevel(level, Level.INFO));
        context.getLogger("org.postgresql").setLevel(Level.toLevel(level, Level.WARN));
        context.getLogger("org.apache.kafka").setLevel(Level.WARN);
        // Debezium warns on every start that the snapshot query and lock implementations it found are not specific to
        // the PostgreSQL connector; the relay takes no snapshot, so there is nothing to act on.
        context.getLogger("io.debezium.snapshot.SnapshotQueryProvider").setLevel(Level.ERROR);
        context.getLogger("io.debezium.snapshot.SnapshotLockProvider").setLevel(Level.ERROR);
    }

    /** Every line, stack traces too, passes the relay's secret masking in both formats (see LogFormatEncoder). */
    private static ConsoleAppender<ILoggingEvent> console(LoggerContext context, String format) {
        LogFormatEncoder encoder = new LogFormatEncoder();
        encoder.setContext(context);
        encoder.setFormat(format);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("console");
        console.setEncoder(encoder);
        console.start();
        return console;
    }

    private static String valueOr(Function<String, String> setting, String name, String fallback) {
        String value = setting.apply(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }
}
