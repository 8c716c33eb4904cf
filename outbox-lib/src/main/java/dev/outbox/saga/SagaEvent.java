package dev.outbox.saga;

import java.time.Instant;
import java.util.UUID;

/**
 * One row of {@code saga_event}: an event this service published or consumed for a saga. JSON-ready.
 *
 * @param topic     the Kafka topic, or {@code null} when not known (e.g. published before routing)
 * @param partition the partition of a consumed event, else {@code null}
 * @param offset    the offset of a consumed event, else {@code null}
 */
public record SagaEvent(UUID eventId, Direction direction, String type, String topic, Integer partition, Long offset,
                        Instant occurredAt) {

    /** Whether this service published or consumed the event. */
    public enum Direction { PUBLISHED, CONSUMED }
}
