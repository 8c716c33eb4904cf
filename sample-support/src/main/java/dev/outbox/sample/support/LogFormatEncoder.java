package dev.outbox.sample.support;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;

/**
 * The services' one log encoder: {@code format} (OUTBOX_LOG_FORMAT) picks the text line or one JSON object a line.
 * One appender with this encoder, rather than one appender per format picked by name: an unused appender makes logback
 * print its whole start-up status, and a name that matches no appender (a typo in the setting) silenced every line.
 * A value other than {@code text} or {@code json} logs text, after a warning that names the setting.
 */
public final class LogFormatEncoder extends EncoderBase<ILoggingEvent> {

    private String format = "text";
    private String pattern;
    private Encoder<ILoggingEvent> delegate;

    /** {@code text} or {@code json}. */
    public void setFormat(String format) {
        this.format = format;
    }

    /** The text format's pattern. */
    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    @Override
    public void start() {
        if (!"text".equals(format) && !"json".equals(format)) {
            addWarn("OUTBOX_LOG_FORMAT must be text or json, was '" + format + "'; logging text");
        }
        delegate = "json".equals(format) ? json() : text();
        delegate.setContext(getContext());
        delegate.start();
        super.start();
    }

    private static Encoder<ILoggingEvent> json() {
        JsonEncoder json = new JsonEncoder();
        // The message with its arguments filled in, as in the text format; no logger-context properties.
        json.setWithFormattedMessage(true);
        json.setWithMessage(false);
        json.setWithArguments(false);
        json.setWithContext(false);
        return json;
    }

    private Encoder<ILoggingEvent> text() {
        PatternLayout layout = new PatternLayout();
        layout.setContext(getContext());
        layout.setPattern(pattern);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> text = new LayoutWrappingEncoder<>();
        text.setLayout(layout);
        return text;
    }

    @Override
    public void stop() {
        if (delegate != null) {
            delegate.stop();
        }
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return delegate.headerBytes();
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return delegate.encode(event);
    }

    @Override
    public byte[] footerBytes() {
        return delegate.footerBytes();
    }
}
