package dev.outbox.relay;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;

/**
 * The relay's one log encoder: {@code format} (OUTBOX_LOG_FORMAT) picks the text line or one JSON object a line, both
 * with every secret masked. One appender with this encoder, rather than one appender per format, so that the
 * configuration never holds an appender it does not use: logback reports such an appender with a warning, and a
 * warning makes it print its whole start-up status before the relay's first line.
 */
public final class LogFormatEncoder extends EncoderBase<ILoggingEvent> {

    private String format = "text";
    private String pattern;
    private Encoder<ILoggingEvent> delegate;

    /** {@code text} or {@code json}; anything else logs text (the relay's settings check refuses it at start). */
    public void setFormat(String format) {
        this.format = format;
    }

    /** The text format's pattern. */
    public void setPattern(String pattern) {
        this.pattern = pattern;
    }

    @Override
    public void start() {
        delegate = "json".equals(format) ? json() : text();
        delegate.setContext(getContext());
        delegate.start();
        super.start();
    }

    private static Encoder<ILoggingEvent> json() {
        MaskingJsonEncoder json = new MaskingJsonEncoder();
        // The message with its arguments filled in, as in the text format; no logger-context properties.
        json.setWithFormattedMessage(true);
        json.setWithMessage(false);
        json.setWithArguments(false);
        json.setWithContext(false);
        return json;
    }

    private Encoder<ILoggingEvent> text() {
        MaskingPatternLayout layout = new MaskingPatternLayout();
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
