package dev.outbox.relay.sink;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.common.errors.AuthenticationException;
import org.slf4j.Marker;

/**
 * Drops the Kafka clients' own reports of a refused login or TLS handshake (an error with a stack trace on every
 * reconnect, about twice a second per client, and the admin client's "fatal error during metadata update"): the
 * relay reports that failure itself, in one line per attempt that names the cause and the setting to fix
 * ({@link KafkaFailureCause}). Registered by the relay's logging configuration.
 */
public final class KafkaAuthenticationLogFilter extends TurboFilter {

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
            Throwable t) {
        if (logger == null || !logger.getName().startsWith("org.apache.kafka.clients")) {
            return FilterReply.NEUTRAL;
        }
        boolean refusedHandshake = format != null && format.contains("failed authentication")
                || t instanceof AuthenticationException
                || params != null && params.length > 0 && params[params.length - 1] instanceof AuthenticationException;
        return refusedHandshake ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
