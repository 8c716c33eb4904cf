package dev.outbox.relay.source;

/** The database cannot be relayed from as it is; the message says what to fix. Fatal: the relay exits. */
public final class SourceCheckException extends RuntimeException {

    private final boolean transient_;
    private final boolean permanent;

    public SourceCheckException(String message) {
        this(message, null, false);
    }

    public SourceCheckException(String message, Throwable cause) {
        this(message, cause, false);
    }

    SourceCheckException(String message, Throwable cause, boolean transient_) {
        this(message, cause, transient_, false);
    }

    private SourceCheckException(String message, Throwable cause, boolean transient_, boolean permanent) {
        super(message, cause);
        this.transient_ = transient_;
        this.permanent = permanent;
    }

    /**
     * A state that waiting cannot fix (a lost slot, another source, wal_level): the relay stops even when it finds
     * it on a reconnect, where other check failures (the server restarting) are retried.
     */
    public static SourceCheckException permanent(String message) {
        return new SourceCheckException(message, null, false, true);
    }

    /** May clear up by itself (a slot still held by an instance that is exiting): worth retrying for a while. */
    public boolean isTransient() {
        return transient_;
    }

    /** See {@link #permanent(String)}. */
    public boolean isPermanent() {
        return permanent;
    }
}
