package dev.outbox.saga;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.Outbox;
import dev.outbox.OutboxConfig;
import dev.outbox.OutboxEvent;
import dev.outbox.consumer.ConsumedEvent;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The {@code saga_log} and {@code saga_event} tables, always written in the caller's transaction (pass the
 * transaction's {@link DSLContext}; from JDBC, {@code DSL.using(connection, SQLDialect.POSTGRES)}), so a step's
 * status changes atomically with the business change and the outbox event it causes.
 *
 * <pre>{@code
 * dsl.transaction(cfg -> {
 *     DSLContext tx = DSL.using(cfg);
 *     UUID sagaId = UUID.randomUUID();
 *     sagaLog.startStep(tx, sagaId, "order", "reserve_stock", Map.of("orderId", orderId), Duration.ofSeconds(30));
 *     sagaLog.publish(tx, outbox, sagaId, "reserve_stock", new OrderPlaced(orderId, lines),
 *             OutboxHeaders.saga(sagaId), "outbox.event.order");
 * });
 * }</pre>
 *
 * <p>Status changes are conditional updates, so concurrent or repeated calls are safe: each {@code mark*} returns
 * {@code false} (and changes nothing) when the step does not exist or its current status does not allow the move
 * ({@link SagaStatus#allowedFrom()}): SUCCEEDED, FAILED and TIMED_OUT only from PENDING; COMPENSATING from PENDING,
 * SUCCEEDED, FAILED or TIMED_OUT; COMPENSATED from any status but itself. A late reply to a timed-out step therefore
 * sees {@code markSucceeded} return {@code false} and can compensate instead.
 */
public interface SagaLog {

    /** A saga log writing payloads with {@link OutboxConfig#defaultObjectMapper()}. */
    static SagaLog create() {
        return create(OutboxConfig.defaultObjectMapper());
    }

    /** A saga log writing step payloads with {@code objectMapper}. */
    static SagaLog create(ObjectMapper objectMapper) {
        return new DefaultSagaLog(objectMapper);
    }

    /**
     * Starts step {@code step} of saga {@code sagaId} as PENDING with attempts 1.
     *
     * @param payload anything Jackson can write (stored as JSON), or {@code null}
     * @param timeout deadline = the database's {@code now()} + timeout (one clock for every instance), or
     *                {@code null} for none
     * @return {@code false} if the step already existed (nothing changed)
     */
    boolean startStep(DSLContext tx, UUID sagaId, String sagaType, String step, Object payload, Duration timeout);

    /**
     * Records step {@code step} that began and ended within this transaction (a local action such as a charge) as
     * one row in its final state, attempts 1 and no deadline: one statement instead of {@link #startStep} followed by
     * {@link #markSucceeded} or {@link #markFailed}.
     *
     * @param status  {@link SagaStatus#SUCCEEDED} or {@link SagaStatus#FAILED}
     * @param payload anything Jackson can write (stored as JSON), or {@code null}
     * @param error   last_error (a FAILED step's reason), or {@code null}
     * @return {@code false} if the step already existed (nothing changed)
     */
    boolean recordFinishedStep(DSLContext tx, UUID sagaId, String sagaType, String step, Object payload,
                               SagaStatus status, String error);

    /** PENDING → SUCCEEDED. */
    boolean markSucceeded(DSLContext tx, UUID sagaId, String step);

    /** PENDING → FAILED, with {@code error} as last_error. */
    boolean markFailed(DSLContext tx, UUID sagaId, String step, String error);

    /**
     * PENDING, SUCCEEDED, FAILED or TIMED_OUT → COMPENSATING; {@code reason} (nullable) becomes last_error. The step
     * has no deadline afterwards: use {@link #markCompensating(DSLContext, UUID, String, String, Duration)} to have the
     * timeout scanner re-send an unacknowledged compensation.
     */
    default boolean markCompensating(DSLContext tx, UUID sagaId, String step, String reason) {
        return markCompensating(tx, sagaId, step, reason, null);
    }

    /**
     * As {@link #markCompensating(DSLContext, UUID, String, String)} with a deadline: now + {@code timeout}
     * ({@code null}: none). Past it, the timeout scanner hands the COMPENSATING step to its handler (to re-send the
     * compensation) and backs off until the step is COMPENSATED or reaches the attempt cap.
     */
    boolean markCompensating(DSLContext tx, UUID sagaId, String step, String reason, Duration timeout);

    /** Any status but COMPENSATED → COMPENSATED. */
    boolean markCompensated(DSLContext tx, UUID sagaId, String step);

    /** PENDING → TIMED_OUT, with {@code reason} as last_error (the scanner does this itself). */
    boolean markTimedOut(DSLContext tx, UUID sagaId, String step, String reason);

    /**
     * Retries a PENDING, FAILED or TIMED_OUT step: back to PENDING, attempts + 1, retried_at = now, a new deadline
     * ({@code null} timeout: none); last_error is kept for the record.
     */
    boolean retry(DSLContext tx, UUID sagaId, String step, Duration timeout);

    /**
     * Records an event this service published for the saga in {@code saga_event}, and appends its id to the step's
     * event_ids when {@code step} is not {@code null}. Idempotent.
     *
     * @param topic the topic the relay will route it to, or {@code null}
     */
    void recordPublished(DSLContext tx, UUID sagaId, String step, UUID eventId, String type, String topic);

    /**
     * Publishes {@code event} through {@code outbox} and records it as {@link #recordPublished} does: the same rows as
     * {@code outbox.publish(tx, event, headers)} followed by {@code recordPublished(...)}, written by one statement
     * (one round trip) when {@code outbox} is the library's own ({@link Outbox#create}).
     *
     * @param step  the step whose event_ids get the event's id, or {@code null}
     * @param topic the topic the relay will route it to, or {@code null}
     * @return the new event id
     */
    default UUID publish(DSLContext tx, Outbox outbox, UUID sagaId, String step, OutboxEvent event,
                         Map<String, String> headers, String topic) {
        UUID eventId = outbox.publish(tx, event, headers);
        recordPublished(tx, sagaId, step, eventId, event.eventType(), topic);
        return eventId;
    }

    /**
     * Records a consumed event (id, type, topic, partition, offset from {@code event}, and the record's timestamp as
     * {@code saga_event.relayed_at}: when the relay sent it); idempotent.
     */
    void recordConsumed(DSLContext tx, UUID sagaId, String step, ConsumedEvent event);

    /**
     * Records a consumed event as {@link #recordConsumed} does and moves the step to {@code to} as
     * {@link #markSucceeded}, {@link #markFailed} or {@link #markCompensated} would, in one statement: the reply that
     * ends a step costs one round trip instead of two. The event is recorded even when the move is not allowed.
     *
     * @param to    {@link SagaStatus#SUCCEEDED}, {@link SagaStatus#FAILED} or {@link SagaStatus#COMPENSATED}
     * @param error last_error (a FAILED step's reason), or {@code null} to keep the current one
     * @return {@code false} if the step does not exist or its status does not allow the move (the status is unchanged)
     */
    default boolean recordConsumedAndMark(DSLContext tx, UUID sagaId, String step, ConsumedEvent event,
                                          SagaStatus to, String error) {
        DefaultSagaLog.requireEndOfStep(to);
        recordConsumed(tx, sagaId, step, event);
        return switch (to) {
            case SUCCEEDED -> markSucceeded(tx, sagaId, step);
            case FAILED -> markFailed(tx, sagaId, step, error);
            default -> markCompensated(tx, sagaId, step);
        };
    }

    /** One step, or empty. */
    Optional<SagaStep> step(DSLContext tx, UUID sagaId, String step);

    /** Steps and events of one saga in this service's database, or empty when it has neither. */
    Optional<SagaView> status(DSLContext dsl, UUID sagaId);
}
