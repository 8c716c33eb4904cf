package dev.outbox.saga;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One row of {@code saga_log}: a step of a saga as this service sees it. JSON-ready.
 *
 * @param payload   what the service stored when starting the step (JSON), {@code {}} when nothing
 * @param eventIds  events published or consumed by this step, in the order they were recorded
 * @param attempts  1 when started, +1 per {@link SagaLog#retry}
 * @param lastError the last failure, timeout or compensation reason, or {@code null}
 * @param deadlineAt when the timeout scanner takes over, or {@code null} for no deadline
 * @param retriedAt when it was last retried, or {@code null}
 */
public record SagaStep(UUID sagaId, String sagaType, String step, SagaStatus status, JsonNode payload,
                       List<UUID> eventIds, int attempts, String lastError, Instant deadlineAt, Instant createdAt,
                       Instant updatedAt, Instant retriedAt) {
}
