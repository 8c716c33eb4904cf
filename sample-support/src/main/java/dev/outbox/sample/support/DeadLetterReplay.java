package dev.outbox.sample.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.outbox.sample.support.DeadLetters.DeadLetter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Replays a dead letter through this service's outbox: in a new transaction the event is written again with the same
 * id, type, key and payload, its business headers (saga, correlation, causation, trace) and provenance headers
 * ({@code replay_source} = topic/partition/offset of the dead letter, {@code replay_reason}, {@code replay_at}). The
 * relay publishes it like any row; the consumer's inbox applies it at most once (same event id), so replaying twice,
 * or replaying an event that was applied after all, changes nothing.
 *
 * <p>An outbox row with the same id (the original, not yet deleted by retention) is deleted first in the same
 * transaction: the publication streams inserts only, so the delete emits nothing.
 */
public final class DeadLetterReplay {

    public static final String SOURCE = "replay_source";
    public static final String REASON = "replay_reason";
    public static final String AT = "replay_at";

    private DeadLetterReplay() {
    }

    /** What was written. */
    public record Replayed(UUID eventId, String aggregateType, String aggregateId, String type,
                           Map<String, String> headers) {
    }

    public static Replayed replay(DSLContext dsl, DeadLetter letter) {
        UUID eventId = eventId(letter);
        String aggregateType = letter.aggregateType();
        if (aggregateType == null || aggregateType.isBlank()) {
            throw ApiException.conflict("aggregatetype", "the dead letter names no aggregate type to publish to; "
                    + "fix the row's aggregatetype and publish it again instead");
        }
        if (letter.type() == null || letter.type().isBlank()) {
            throw ApiException.conflict("type", "the dead letter has no event type");
        }
        if (letter.payload() == null) {
            throw ApiException.conflict("payload", "the dead letter holds no payload (the relay keeps only metadata "
                    + "of a record over Kafka's size limit): it cannot be replayed as is");
        }
        try {
            Json.EVENTS.readTree(letter.payload());
        } catch (JsonProcessingException e) {
            throw ApiException.conflict("payload", "the dead letter's payload is not JSON: it cannot be replayed");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        letter.headers().forEach((name, value) -> {
            if (!DeadLetters.isTransportHeader(name)) {
                headers.put(name, value);
            }
        });
        headers.put(SOURCE, letter.topic() + "/" + letter.partition() + "/" + letter.offset());
        headers.put(REASON, letter.reason());
        headers.put(AT, Instant.now().toString());
        String headerJson;
        try {
            headerJson = Json.EVENTS.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("headers could not be written as JSON", e);
        }
        String aggregateId = letter.key() == null ? letter.headers().getOrDefault("dlq_aggregateid", "") : letter.key();
        dsl.transaction(cfg -> {
            DSLContext tx = cfg.dsl();
            Sql.execute(tx, "DELETE FROM outbox WHERE id = ?", eventId);
            Sql.execute(tx, """
                    INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, headers)
                    VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb)""", eventId, aggregateType, aggregateId, letter.type(),
                    letter.payload(), headerJson);
        });
        return new Replayed(eventId, aggregateType, aggregateId, letter.type(), headers);
    }

    private static UUID eventId(DeadLetter letter) {
        try {
            return UUID.fromString(letter.eventId());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ApiException.conflict("id", "the dead letter has no event id (header id or ce_id)");
        }
    }
}
