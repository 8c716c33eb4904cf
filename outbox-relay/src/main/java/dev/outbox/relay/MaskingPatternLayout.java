package dev.outbox.relay;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's pattern layout with every secret masked ({@link Secrets}): the whole line, stack traces included, so a
 * driver's or connector's message that quotes a URL with a password never reaches the log.
 */
final class MaskingPatternLayout extends PatternLayout {

    @Override
    public String doLayout(ILoggingEvent event) {
        return Secrets.mask(super.doLayout(event));
    }
}
