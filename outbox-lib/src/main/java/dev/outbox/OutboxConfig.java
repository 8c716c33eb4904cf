package dev.outbox;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.Objects;

/**
 * Settings of an {@link Outbox}. Start from {@link #defaults()} and change what you need with the {@code with*}
 * methods; the compact constructor rejects invalid values naming the setting.
 *
 * @param objectMapper      writes event payloads (and, in consumers, reads them). Default:
 *                          {@link #defaultObjectMapper()} (java.time as ISO-8601 strings, unknown properties ignored
 *                          on read).
 * @param maxPayloadBytes   the largest payload that may be published, in UTF-8 bytes of its JSON as PostgreSQL
 *                          prints jsonb (a space after each separator), i.e. the Kafka record value. Default
 *                          {@value #DEFAULT_MAX_PAYLOAD_BYTES}: under Kafka's default 1 MiB record limit with room for
 *                          key and headers. Must be positive.
 * @param deleteAfterInsert {@code true}: every row is deleted in the same transaction right after its insert, so the
 *                          table stays empty (the relay reads the insert from the WAL). {@code false} (the default):
 *                          rows are kept, which helps debugging and replays; delete old rows with
 *                          {@link OutboxRetention}.
 * @param table             the outbox table, optionally schema-qualified. Default {@code outbox}; a lower-case
 *                          SQL identifier.
 */
public record OutboxConfig(ObjectMapper objectMapper, int maxPayloadBytes, boolean deleteAfterInsert, String table) {

    /** Default of {@link #maxPayloadBytes()}. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 900_000;
    /** Default of {@link #table()}. */
    public static final String DEFAULT_TABLE = "outbox";

    public OutboxConfig {
        Objects.requireNonNull(objectMapper, "objectMapper must not be null");
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes must be positive, was " + maxPayloadBytes);
        }
        if (!isTableName(table)) {
            throw new IllegalArgumentException(
                    "table must be a lower-case SQL identifier, optionally schema-qualified, was " + table);
        }
    }

    /** Lower-case identifiers only: the name is put into SQL text, so nothing else may pass. */
    static boolean isTableName(String table) {
        return table != null && table.matches("([a-z_][a-z0-9_]*\\.)?[a-z_][a-z0-9_]*");
    }

    /** All defaults: the default mapper, 900,000 bytes, rows kept, table {@code outbox}. */
    public static OutboxConfig defaults() {
        return new OutboxConfig(defaultObjectMapper(), DEFAULT_MAX_PAYLOAD_BYTES, false, DEFAULT_TABLE);
    }

    /**
     * A new mapper: JavaTimeModule with dates as ISO-8601 strings, unknown properties ignored when reading (so a
     * producer may add fields without breaking consumers), everything else Jackson's defaults.
     */
    public static ObjectMapper defaultObjectMapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
    }

    public OutboxConfig withObjectMapper(ObjectMapper objectMapper) {
        return new OutboxConfig(objectMapper, maxPayloadBytes, deleteAfterInsert, table);
    }

    public OutboxConfig withMaxPayloadBytes(int maxPayloadBytes) {
        return new OutboxConfig(objectMapper, maxPayloadBytes, deleteAfterInsert, table);
    }

    public OutboxConfig withDeleteAfterInsert(boolean deleteAfterInsert) {
        return new OutboxConfig(objectMapper, maxPayloadBytes, deleteAfterInsert, table);
    }

    public OutboxConfig withTable(String table) {
        return new OutboxConfig(objectMapper, maxPayloadBytes, deleteAfterInsert, table);
    }
}
