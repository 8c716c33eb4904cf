package dev.outbox.relay.source;

/** The database cannot be relayed from as it is; the message says what to fix. Fatal: the relay exits. */
public final class SourceCheckException extends RuntimeException {

    public SourceCheckException(String message) {
        super(message);
    }

    public SourceCheckException(String message, Throwable cause) {
        super(message, cause);
    }
}
