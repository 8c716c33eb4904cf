package dev.outbox.relay;

import dev.outbox.relay.sink.KafkaSink;

/**
 * The relay process's exit codes, for supervisors: restart after {@link #FAILURE}, fix the setting after
 * {@link #CONFIGURATION}, do not restart after {@link #FENCED} (a newer relay of the same name runs).
 */
enum ExitStatus {
    /** Stopped by SIGTERM/SIGINT, everything read was delivered and confirmed. */
    CLEAN_STOP(0),
    /** Any other end: a failed start check, a lost source, an error of any kind, a stop that ran out of time. */
    FAILURE(1),
    /** A setting is missing, invalid or refused; the line names it. */
    CONFIGURATION(2),
    /** Exactly-once: a newer relay with the same OUTBOX_RELAY_NAME fenced this one. */
    FENCED(3);

    private final int code;

    ExitStatus(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    /** The status for what ended the relay: {@code null} for a clean stop. */
    static ExitStatus of(Throwable failure) {
        if (failure == null) {
            return CLEAN_STOP;
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof RelayConfigException) {
                return CONFIGURATION;
            }
            if (cause instanceof KafkaSink.FencedException) {
                return FENCED;
            }
        }
        return FAILURE;
    }
}
