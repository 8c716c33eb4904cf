package dev.outbox.relay.source;

/** The database cannot be relayed from as it is; the message says what to fix. Fatal: the relay exits. */
public final class SourceCheckException extends RuntimeException {

    public SourceCheckException(String message) {
        this(message, null, false);
    }

    private final boolean transient_;

    public SourceCheckException(String message, Throwable cause) {
        this(message, cause, false);
    }

    SourceCheckException(String message, Throwable cause, boolean transient_) {
        super(message, cause);
        this.transient_ = transient_;
    }

    /** May clear up by itself (a slot still held by an instance that is exiting): worth retrying for a while. */
    public boolean isTransient() {
        return transient_;
    }
}
