package dev.outbox.relay.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The value of a relay's record in the position topic (key: relay name), in both delivery modes:
 * {@code {"system_identifier":"7321…","timeline":1,"database":"orders","slot":"order_relay","position":0,
 * "seen_at":"2026-…Z"}}. {@code position} is the exactly-once committed source position (end LSN as a number; 0 =
 * none, and always 0 from an at-least-once relay, which keeps its position in the slot); {@code seen_at} is when the
 * relay last knew the slot's position (the last Kafka commit in exactly-once mode, the last start or reconnect in
 * at-least-once mode).
 *
 * <p>Records written before the identity existed are a bare decimal position: they parse with {@code identity}
 * null and are rewritten in this format at the next start.
 *
 * @param identity   the source the position belongs to; null only for an old-format record
 * @param position   exactly-once committed end LSN, 0 when none
 * @param seenAt     when the relay last knew the slot's position; null when unknown
 */
public record PositionRecord(SourceIdentity identity, long position, Instant seenAt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public String format() {
        ObjectNode node = JSON.createObjectNode();
        if (identity != null) {
            node.put("system_identifier", identity.systemIdentifier());
            node.put("timeline", identity.timeline());
            node.put("database", identity.database());
            node.put("slot", identity.slot());
        }
        node.put("position", position);
        if (seenAt != null) {
            node.put("seen_at", seenAt.toString());
        }
        return node.toString();
    }

    /** Reads either format; throws {@link IllegalArgumentException} naming the value when it is neither. */
    public static PositionRecord parse(String value) {
        String text = value.strip();
        if (!text.startsWith("{")) {
            try {
                return new PositionRecord(null, Long.parseLong(text), null);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a position record: '" + value + "'", e);
            }
        }
        try {
            JsonNode node = JSON.readTree(text);
            SourceIdentity identity = node.hasNonNull("system_identifier")
                    ? new SourceIdentity(node.get("system_identifier").asText(), node.path("timeline").asLong(),
                            node.path("database").asText(), node.path("slot").asText())
                    : null;
            Instant seenAt = node.hasNonNull("seen_at") ? Instant.parse(node.get("seen_at").asText()) : null;
            return new PositionRecord(identity, node.path("position").asLong(), seenAt);
        } catch (JsonProcessingException | java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("not a position record: '" + value + "'", e);
        }
    }
}
