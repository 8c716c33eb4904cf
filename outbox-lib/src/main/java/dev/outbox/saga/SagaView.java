package dev.outbox.saga;

import java.util.List;
import java.util.UUID;

/**
 * Everything this service knows about one saga, ready to be written as JSON (e.g. by a status endpoint).
 *
 * @param sagaType the saga type of its first step
 * @param state    summary of the steps: {@code RUNNING} while a step is PENDING or COMPENSATING, else
 *                 {@code COMPLETED} when every step SUCCEEDED, else {@code COMPENSATED} when a step was compensated,
 *                 else {@code FAILED}
 * @param steps    the steps, oldest first
 * @param events   the events published and consumed, oldest first
 */
public record SagaView(UUID sagaId, String sagaType, String state, List<SagaStep> steps, List<SagaEvent> events) {
}
