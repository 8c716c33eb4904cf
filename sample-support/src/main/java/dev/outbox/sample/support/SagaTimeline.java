package dev.outbox.sample.support;

import dev.outbox.saga.SagaStep;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * One service's part of a saga's timeline: its steps and the events it published or consumed, each event with its
 * causation and its path (the outbox row's commit, the Kafka coordinates once known, the consumer's processing).
 */
public final class SagaTimeline {

    private SagaTimeline() {
    }

    /**
     * An event as one service saw it.
     *
     * @param committedAt  for a published event, when its outbox row was written (its transaction's time), while the
     *                     row is kept
     * @param occurredAt   when this service recorded it: the publishing transaction, or the consumer's processing
     * @param causationId  the event whose handler published it (from the outbox headers), when known here
     * @param replaySource for a replayed dead letter, where it came from (topic/partition/offset)
     * @param relayedAt    for an event the service consumed (and recorded it for), the Kafka record's timestamp (the
     *                     relay's send, just before the broker's ack), else null
     */
    public record TimelineEvent(String service, UUID eventId, String direction, String type, String topic,
                                Integer partition, Long offset, String causationId, String replaySource,
                                OffsetDateTime committedAt, OffsetDateTime relayedAt, OffsetDateTime occurredAt) {
    }

    /** A service's steps and events for one saga. */
    public record ServiceView(String service, List<SagaStep> steps, List<TimelineEvent> events) {
    }

    /**
     * @param relayedAtColumn the {@code saga_event} column holding the relay's time of a consumed event, or
     *                        {@code null} when this service does not record it
     */
    public static List<TimelineEvent> events(DSLContext dsl, String service, UUID sagaId, String relayedAtColumn) {
        String relayedAt = relayedAtColumn == null ? "NULL::timestamptz" : "e." + relayedAtColumn;
        return dsl.fetch("""
                        SELECT e.event_id, e.direction, e.type, e.topic, e.kafka_partition, e.kafka_offset,
                               o.headers->>'causation_id', o.headers->>'replay_source', o.created_at, %s,
                               e.occurred_at
                        FROM saga_event e
                        LEFT JOIN outbox o ON o.id = e.event_id AND e.direction = 'PUBLISHED'
                        WHERE e.saga_id = ?
                        ORDER BY e.occurred_at, CASE e.direction WHEN 'CONSUMED' THEN 0 ELSE 1 END, e.event_id"""
                        .formatted(relayedAt), sagaId)
                .map(r -> new TimelineEvent(service, r.get(0, UUID.class), r.get(1, String.class),
                        r.get(2, String.class), r.get(3, String.class), r.get(4, Integer.class), r.get(5, Long.class),
                        r.get(6, String.class), r.get(7, String.class), r.get(8, OffsetDateTime.class),
                        r.get(9, OffsetDateTime.class), r.get(10, OffsetDateTime.class)));
    }
}
