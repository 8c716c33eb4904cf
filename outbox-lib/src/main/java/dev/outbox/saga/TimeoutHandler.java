package dev.outbox.saga;

import org.jooq.DSLContext;

/**
 * Reacts to a saga step whose deadline passed, in the scanner's transaction ({@code tx}): e.g. cancel the order and
 * publish the compensating event through the outbox. The step row is locked, so no other instance handles it. When
 * the handler returns and the step is still PENDING, the scanner marks it TIMED_OUT; the handler may instead move it
 * itself (e.g. {@link SagaLog#markCompensating}). Throwing rolls back the handler's work and leaves the step PENDING
 * with {@code last_error} set, to be tried again by the next scan.
 */
@FunctionalInterface
public interface TimeoutHandler {

    void onTimeout(DSLContext tx, SagaStep step) throws Exception;
}
