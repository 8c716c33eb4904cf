package dev.outbox.consumer;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** What a failure means for its record (retry it, count it, dead-letter it) and how long to wait before a retry. */
final class RetryPolicy {

    /** The kinds of failure, from the record's point of view. */
    enum Failure {
        /** The handler (or the record) failed: counted against {@code maxAttempts}, then dead-lettered. */
        COUNTED,
        /** Retrying cannot help: dead-lettered at once. */
        NON_RETRIABLE,
        /** A serialization failure, deadlock or lock timeout: retried without limit and without counting. */
        TRANSIENT,
        /** The database is unreachable or refusing work: retried without limit and without counting. */
        DATABASE_UNAVAILABLE
    }

    /** SQLSTATEs of a transaction that lost a race: serialization_failure, deadlock_detected, lock_not_available. */
    private static final Set<String> TRANSIENT_STATES = Set.of("40001", "40P01", "55P03");

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final List<Class<? extends Throwable>> nonRetriable;

    RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                List<Class<? extends Throwable>> nonRetriable) {
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.nonRetriable = List.copyOf(nonRetriable);
    }

    int maxAttempts() {
        return maxAttempts;
    }

    /** Whether {@code attempts} counted attempts leave none to make. */
    boolean exhausted(int attempts) {
        return attempts >= maxAttempts;
    }

    Failure classify(Throwable failure) {
        if (isDatabaseUnavailable(failure)) {
            return Failure.DATABASE_UNAVAILABLE;
        }
        if (isTransient(failure)) {
            return Failure.TRANSIENT;
        }
        return isNonRetriable(failure) ? Failure.NON_RETRIABLE : Failure.COUNTED;
    }

    /** Backoff before retry n (n from 1): {@code initial * 2^(n-1)}, capped at the maximum. */
    Duration backoff(int retry) {
        long initial = initialBackoff.toMillis();
        long millis = initial << Math.min(Math.max(retry, 1) - 1, 20);
        return Duration.ofMillis(Math.min(millis < 0 ? Long.MAX_VALUE : millis, maxBackoff.toMillis()));
    }

    private boolean isNonRetriable(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            for (Class<? extends Throwable> type : nonRetriable) {
                if (type.isInstance(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** No connection, lost connection, overload or shutdown (SQLSTATE classes 08, 53, 57P): not the record's fault. */
    static boolean isDatabaseUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof DefaultEventConsumer.DatabaseUnavailable || t instanceof SQLTransientConnectionException
                    || t instanceof SQLRecoverableException) {
                return true;
            }
            String state = t instanceof SQLException sql ? sql.getSQLState() : null;
            if (state != null && (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    /** A transaction that lost a race with another one: running it again is the documented remedy. */
    static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = next(t)) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && TRANSIENT_STATES.contains(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static Throwable next(Throwable t) {
        return t.getCause() == t ? null : t.getCause();
    }
}
