package dev.outbox.saga;

import java.time.Duration;
import org.jooq.DSLContext;

/**
 * What the timeout scanner does with a step once its handler has run or failed: a PENDING step the handler left
 * alone times out; a COMPENSATING step still unacknowledged gets a new deadline after a backoff (the handler has just
 * re-sent its compensation); a handler failure pushes the deadline out by a backoff so that failing steps never keep
 * the scanner from the others; at the attempt cap the step becomes FAILED, which lists it as stuck.
 */
final class StepEscalation {

    static final String TIMED_OUT = "timed out";
    static final String LEFT_BY_HANDLER = "moved by its handler";
    static final String COMPENSATION_RESENT = "compensation re-sent";
    static final String RETRY_LATER = "handler failed; retried later";
    static final String ESCALATED = "escalated to FAILED";

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;

    StepEscalation(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
    }

    /** After a successful handler call, in the scanner's transaction; returns the outcome. */
    String afterHandler(DSLContext tx, SagaStep step) {
        if (step.status() == SagaStatus.PENDING) {
            // Unchanged since claimed: a handler that retried the step (attempts + 1, new deadline) keeps it PENDING.
            boolean moved = tx.execute("""
                    UPDATE saga_log SET status = 'TIMED_OUT', last_error = ?, updated_at = now()
                    WHERE saga_id = ?::uuid AND step = ? AND status = 'PENDING' AND attempts = ?
                    """, "deadline " + step.deadlineAt() + " passed", step.sagaId(), step.step(),
                    step.attempts()) == 1;
            return moved ? TIMED_OUT : LEFT_BY_HANDLER;
        }
        if (step.attempts() >= maxAttempts) {
            return escalate(tx, step, "compensation not acknowledged after " + step.attempts() + " attempts")
                    ? ESCALATED : LEFT_BY_HANDLER;
        }
        return postpone(tx, step, null) ? COMPENSATION_RESENT : LEFT_BY_HANDLER;
    }

    /** After a handler threw (its work rolled back to the savepoint); returns the outcome. */
    String afterFailure(DSLContext tx, SagaStep step, Throwable failure) {
        String error = "timeout handler failed: " + failure;
        if (step.attempts() >= maxAttempts) {
            escalate(tx, step, error + " (attempt " + step.attempts() + " of " + maxAttempts + ")");
            return ESCALATED;
        }
        postpone(tx, step, error);
        return RETRY_LATER;
    }

    /** The wait before the next attempt: initial × 2^(attempts - 1), at most the maximum. */
    Duration backoff(int attempts) {
        int doublings = Math.max(0, Math.min(attempts - 1, 30));
        long millis = initialBackoff.toMillis() << doublings;
        return millis < 0 || millis > maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis(millis);
    }

    /** Only when the step is unchanged since it was claimed (the handler may have moved it itself). */
    private boolean postpone(DSLContext tx, SagaStep step, String error) {
        return tx.execute("""
                UPDATE saga_log SET attempts = attempts + 1, last_error = coalesce(?, last_error), updated_at = now(),
                       deadline_at = now() + ?::interval
                WHERE saga_id = ?::uuid AND step = ? AND status = ? AND attempts = ?
                """, error, backoff(step.attempts()).toMillis() + " milliseconds", step.sagaId(), step.step(),
                step.status().name(), step.attempts()) == 1;
    }

    private static boolean escalate(DSLContext tx, SagaStep step, String error) {
        return tx.execute("""
                UPDATE saga_log SET status = 'FAILED', last_error = ?, updated_at = now(), deadline_at = NULL
                WHERE saga_id = ?::uuid AND step = ? AND status = ? AND attempts = ?
                """, SagaQueries.STUCK_MARK + error, step.sagaId(), step.step(), step.status().name(),
                step.attempts()) == 1;
    }
}
