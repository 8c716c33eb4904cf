package dev.outbox.saga;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.Outbox;
import dev.outbox.OutboxEvent;
import dev.outbox.consumer.ConsumedEvent;
import dev.outbox.internal.PublishWithFollowUp;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;

final class DefaultSagaLog implements SagaLog {

    static final String STEP_COLUMNS = """
            saga_id, saga_type, step, status, payload::text AS payload, event_ids, attempts, last_error,
            deadline_at, created_at, updated_at, retried_at""";

    /** One event row; its eight parameters come first in every statement that records an event. */
    private static final String INSERT_EVENT = """
            INSERT INTO saga_event (saga_id, event_id, direction, type, topic, kafka_partition, kafka_offset,
                                    relayed_at)
            VALUES (?::uuid, ?::uuid, ?, ?, ?, ?::int, ?::bigint, ?::timestamptz)
            ON CONFLICT DO NOTHING
            """;

    private final ObjectMapper mapper;

    DefaultSagaLog(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "objectMapper must not be null");
    }

    @Override
    public boolean startStep(DSLContext tx, UUID sagaId, String sagaType, String step, Object payload,
                             Duration timeout) {
        Objects.requireNonNull(sagaId, "sagaId must not be null");
        requireText("sagaType", sagaType);
        requireText("step", step);
        String json = json(payload);
        return update(tx, """
                INSERT INTO saga_log (saga_id, saga_type, step, status, payload, attempts, deadline_at)
                VALUES (?::uuid, ?, ?, 'PENDING', ?::jsonb, 1, now() + ?::interval)
                ON CONFLICT (saga_id, step) DO NOTHING
                """, sagaId, sagaType, step, json, interval(timeout)) == 1;
    }

    @Override
    public boolean recordFinishedStep(DSLContext tx, UUID sagaId, String sagaType, String step, Object payload,
                                      SagaStatus status, String error) {
        Objects.requireNonNull(sagaId, "sagaId must not be null");
        requireText("sagaType", sagaType);
        requireText("step", step);
        if (status != SagaStatus.SUCCEEDED && status != SagaStatus.FAILED) {
            throw new IllegalArgumentException("a finished step is SUCCEEDED or FAILED, not " + status);
        }
        return update(tx, """
                INSERT INTO saga_log (saga_id, saga_type, step, status, payload, attempts, last_error)
                VALUES (?::uuid, ?, ?, ?, ?::jsonb, 1, ?)
                ON CONFLICT (saga_id, step) DO NOTHING
                """, sagaId, sagaType, step, status.name(), json(payload), error) == 1;
    }

    private String json(Object payload) {
        try {
            return payload == null ? "{}" : mapper.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("payload: Jackson cannot write " + payload.getClass().getName(), e);
        }
    }

    @Override
    public boolean markSucceeded(DSLContext tx, UUID sagaId, String step) {
        return transition(tx, sagaId, step, SagaStatus.SUCCEEDED, null);
    }

    @Override
    public boolean markFailed(DSLContext tx, UUID sagaId, String step, String error) {
        return transition(tx, sagaId, step, SagaStatus.FAILED, error);
    }

    @Override
    public boolean markCompensating(DSLContext tx, UUID sagaId, String step, String reason, Duration timeout) {
        return update(tx, """
                UPDATE saga_log SET status = 'COMPENSATING', last_error = coalesce(?, last_error), updated_at = now(),
                       deadline_at = now() + ?::interval
                WHERE saga_id = ?::uuid AND step = ? AND status = ANY(string_to_array(?, ','))
                """, reason, interval(timeout), sagaId, step, names(SagaStatus.COMPENSATING.allowedFrom())) == 1;
    }

    @Override
    public boolean markCompensated(DSLContext tx, UUID sagaId, String step) {
        return transition(tx, sagaId, step, SagaStatus.COMPENSATED, null);
    }

    @Override
    public boolean markTimedOut(DSLContext tx, UUID sagaId, String step, String reason) {
        return transition(tx, sagaId, step, SagaStatus.TIMED_OUT, reason);
    }

    static boolean transition(DSLContext tx, UUID sagaId, String step, SagaStatus to, String error) {
        return update(tx, """
                UPDATE saga_log SET status = ?, last_error = coalesce(?, last_error), updated_at = now()
                WHERE saga_id = ?::uuid AND step = ? AND status = ANY(string_to_array(?, ','))
                """, to.name(), error, sagaId, step, names(to.allowedFrom())) == 1;
    }

    @Override
    public boolean retry(DSLContext tx, UUID sagaId, String step, Duration timeout) {
        return update(tx, """
                UPDATE saga_log SET status = 'PENDING', attempts = attempts + 1, retried_at = now(),
                       updated_at = now(), deadline_at = now() + ?::interval
                WHERE saga_id = ?::uuid AND step = ? AND status = ANY(string_to_array(?, ','))
                """, interval(timeout), sagaId, step, names(SagaStatus.PENDING.allowedFrom())) == 1;
    }

    @Override
    public void recordPublished(DSLContext tx, UUID sagaId, String step, UUID eventId, String type, String topic) {
        record(tx, sagaId, step, eventId, SagaEvent.Direction.PUBLISHED, type, topic, null, null, null);
    }

    @Override
    public UUID publish(DSLContext tx, Outbox outbox, UUID sagaId, String step, OutboxEvent event,
                        Map<String, String> headers, String topic) {
        Objects.requireNonNull(sagaId, "sagaId must not be null");
        if (!(outbox instanceof PublishWithFollowUp oneStatement)) {
            return SagaLog.super.publish(tx, outbox, sagaId, step, event, headers, topic);
        }
        String recordEvent = """
                INSERT INTO saga_event (saga_id, event_id, direction, type, topic)
                SELECT ?::uuid, id, 'PUBLISHED', type, ? FROM published
                ON CONFLICT DO NOTHING
                """;
        if (step == null) {
            return oneStatement.publishWith(tx, event, headers, recordEvent, sagaId, topic);
        }
        // The outbox row, the saga_event row and the step's event_ids: the same three writes as publish followed by
        // recordPublished, in the one statement the outbox insert already costs.
        return oneStatement.publishWith(tx, event, headers, ", recorded AS (" + recordEvent + """
                )
                UPDATE saga_log SET event_ids = event_ids || ARRAY(SELECT id FROM published), updated_at = now()
                WHERE saga_id = ?::uuid AND step = ?
                """, sagaId, topic, sagaId, step);
    }

    @Override
    public void recordConsumed(DSLContext tx, UUID sagaId, String step, ConsumedEvent event) {
        record(tx, sagaId, step, event.eventId(), SagaEvent.Direction.CONSUMED, event.type(), event.topic(),
                event.partition(), event.offset(), relayedAt(event));
    }

    private static Timestamp relayedAt(ConsumedEvent event) {
        return event.timestamp() == null ? null : Timestamp.from(event.timestamp());
    }

    @Override
    public boolean recordConsumedAndMark(DSLContext tx, UUID sagaId, String step, ConsumedEvent event,
                                         SagaStatus to, String error) {
        requireEndOfStep(to);
        requireEvent(sagaId, event.eventId(), event.type());
        requireText("step", step);
        UUID eventId = event.eventId();
        // "prior" reads the step's status under its row lock (the newest version, even if it changed after this
        // statement's snapshot), so the answer is whether this statement made the move. A row with the event
        // already recorded and no move to make is left untouched.
        return execute(tx, "WITH recorded AS (" + INSERT_EVENT + """
                ), prior AS (
                    SELECT status = ANY(string_to_array(?, ',')) AS allowed
                    FROM saga_log WHERE saga_id = ?::uuid AND step = ? FOR UPDATE
                )
                UPDATE saga_log s SET
                    event_ids = CASE WHEN ?::uuid = ANY(s.event_ids) THEN s.event_ids
                                     ELSE array_append(s.event_ids, ?::uuid) END,
                    status = CASE WHEN prior.allowed THEN ? ELSE s.status END,
                    last_error = CASE WHEN prior.allowed THEN coalesce(?, s.last_error) ELSE s.last_error END,
                    updated_at = now()
                FROM prior
                WHERE s.saga_id = ?::uuid AND s.step = ? AND (prior.allowed OR NOT (?::uuid = ANY(s.event_ids)))
                RETURNING prior.allowed
                """, statement -> {
                    try (ResultSet moved = statement.executeQuery()) {
                        return moved.next() && moved.getBoolean(1);
                    }
                }, sagaId, eventId, SagaEvent.Direction.CONSUMED.name(), event.type(), event.topic(),
                event.partition(), event.offset(), relayedAt(event),
                names(to.allowedFrom()), sagaId, step,
                eventId, eventId, to.name(), error,
                sagaId, step, eventId);
    }

    static void requireEndOfStep(SagaStatus to) {
        if (to != SagaStatus.SUCCEEDED && to != SagaStatus.FAILED && to != SagaStatus.COMPENSATED) {
            throw new IllegalArgumentException("a reply ends a step as SUCCEEDED, FAILED or COMPENSATED, not " + to);
        }
    }

    private static void record(DSLContext tx, UUID sagaId, String step, UUID eventId, SagaEvent.Direction direction,
                               String type, String topic, Integer partition, Long offset, Timestamp relayedAt) {
        requireEvent(sagaId, eventId, type);
        if (step == null) {
            update(tx, INSERT_EVENT, sagaId, eventId, direction.name(), type, topic, partition, offset, relayedAt);
            return;
        }
        // One statement, one round trip, for both rows: every handler of a saga pays it at least once.
        update(tx, "WITH recorded AS (" + INSERT_EVENT + """
                )
                UPDATE saga_log SET event_ids = array_append(event_ids, ?::uuid), updated_at = now()
                WHERE saga_id = ?::uuid AND step = ? AND NOT (?::uuid = ANY(event_ids))
                """, sagaId, eventId, direction.name(), type, topic, partition, offset, relayedAt, eventId, sagaId,
                step, eventId);
    }

    @Override
    public Optional<SagaStep> step(DSLContext tx, UUID sagaId, String step) {
        Record row = tx.fetchOne("SELECT " + STEP_COLUMNS + " FROM saga_log WHERE saga_id = ?::uuid AND step = ?",
                sagaId, step);
        return Optional.ofNullable(row).map(r -> toStep(r, mapper));
    }

    @Override
    public Optional<SagaView> status(DSLContext dsl, UUID sagaId) {
        Result<Record> steps = dsl.fetch(
                "SELECT " + STEP_COLUMNS + " FROM saga_log WHERE saga_id = ?::uuid ORDER BY created_at, step", sagaId);
        Result<Record> events = dsl.fetch("""
                SELECT event_id, direction, type, topic, kafka_partition, kafka_offset, occurred_at
                FROM saga_event WHERE saga_id = ?::uuid ORDER BY occurred_at, direction DESC, event_id
                """, sagaId);
        if (steps.isEmpty() && events.isEmpty()) {
            return Optional.empty();
        }
        List<SagaStep> stepList = steps.stream().map(r -> toStep(r, mapper)).toList();
        List<SagaEvent> eventList = events.stream().map(r -> new SagaEvent(
                r.get("event_id", UUID.class),
                SagaEvent.Direction.valueOf(r.get("direction", String.class)),
                r.get("type", String.class),
                r.get("topic", String.class),
                r.get("kafka_partition", Integer.class),
                r.get("kafka_offset", Long.class),
                instant(r, "occurred_at"))).toList();
        String sagaType = stepList.isEmpty() ? null : stepList.getFirst().sagaType();
        return Optional.of(new SagaView(sagaId, sagaType, state(stepList), stepList, eventList));
    }

    static String state(List<SagaStep> steps) {
        if (steps.isEmpty()) {
            return "UNKNOWN";
        }
        if (steps.stream().anyMatch(s -> s.status() == SagaStatus.PENDING || s.status() == SagaStatus.COMPENSATING)) {
            return "RUNNING";
        }
        if (steps.stream().allMatch(s -> s.status() == SagaStatus.SUCCEEDED)) {
            return "COMPLETED";
        }
        if (steps.stream().anyMatch(s -> s.status() == SagaStatus.COMPENSATED)) {
            return "COMPENSATED";
        }
        return "FAILED";
    }

    static SagaStep toStep(Record r, ObjectMapper mapper) {
        JsonNode payload;
        try {
            payload = mapper.readTree(r.get("payload", String.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("saga_log.payload is not JSON", e);
        }
        UUID[] ids = r.get("event_ids", UUID[].class);
        return new SagaStep(
                r.get("saga_id", UUID.class),
                r.get("saga_type", String.class),
                r.get("step", String.class),
                SagaStatus.valueOf(r.get("status", String.class)),
                payload,
                ids == null ? List.of() : List.copyOf(Arrays.asList(ids)),
                r.get("attempts", Integer.class),
                r.get("last_error", String.class),
                instant(r, "deadline_at"),
                instant(r, "created_at"),
                instant(r, "updated_at"),
                instant(r, "retried_at"));
    }

    private static Instant instant(Record r, String field) {
        OffsetDateTime value = r.get(field, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /**
     * Runs a write on tx's connection (joining its transaction) with plain JDBC. Every saga handler makes several of
     * these; jOOQ's plain-SQL path re-renders each statement and classifies it with a regular expression compiled
     * per execution, which cost more CPU than the statement itself in the sandbox's profile.
     */
    private static int update(DSLContext tx, String sql, Object... bindings) {
        return execute(tx, sql, PreparedStatement::executeUpdate, bindings);
    }

    @FunctionalInterface
    private interface BoundStatement<T> {
        T run(PreparedStatement statement) throws SQLException;
    }

    /** As {@link #update}, for a statement whose answer {@code work} reads. */
    private static <T> T execute(DSLContext tx, String sql, BoundStatement<T> work, Object... bindings) {
        return tx.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < bindings.length; i++) {
                    statement.setObject(i + 1, bindings[i]);
                }
                return work.run(statement);
            }
        });
    }

    private static void requireEvent(UUID sagaId, UUID eventId, String type) {
        Objects.requireNonNull(sagaId, "sagaId must not be null");
        Objects.requireNonNull(eventId, "eventId must not be null");
        requireText("type", type);
    }

    private static String interval(Duration timeout) {
        return timeout == null ? null : timeout.toMillis() + " milliseconds";
    }

    private static String names(Set<SagaStatus> statuses) {
        List<String> names = new ArrayList<>();
        statuses.forEach(s -> names.add(s.name()));
        return String.join(",", names);
    }

    private static void requireText(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
