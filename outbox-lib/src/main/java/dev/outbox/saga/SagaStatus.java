package dev.outbox.saga;

import java.util.EnumSet;
import java.util.Set;

/** Status of one saga step in {@code saga_log}. */
public enum SagaStatus {
    /** Started, waiting for its outcome; a deadline makes it eligible for the timeout scanner. */
    PENDING,
    /** Done. */
    SUCCEEDED,
    /** Refused or failed for good; may be retried or compensated. */
    FAILED,
    /** A compensation was started (events undoing earlier steps were published). */
    COMPENSATING,
    /** The compensation is done. Terminal. */
    COMPENSATED,
    /** Its deadline passed while PENDING (set by the timeout scanner or by hand). */
    TIMED_OUT;

    /** The statuses a step may move to this one from (see {@link SagaLog}). */
    public Set<SagaStatus> allowedFrom() {
        return switch (this) {
            case PENDING -> EnumSet.of(PENDING, FAILED, TIMED_OUT);
            case SUCCEEDED, FAILED, TIMED_OUT -> EnumSet.of(PENDING);
            case COMPENSATING -> EnumSet.of(PENDING, SUCCEEDED, FAILED, TIMED_OUT);
            case COMPENSATED -> EnumSet.of(PENDING, SUCCEEDED, FAILED, TIMED_OUT, COMPENSATING);
        };
    }
}
