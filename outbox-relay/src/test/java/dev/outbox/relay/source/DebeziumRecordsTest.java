package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** Debezium's records become the relay's transactions: BEGIN, RELATION once, INSERTs, COMMIT at the end LSN. */
class DebeziumRecordsTest {

    private static final Map<String, String> PARTITION = Map.of("server", "relay");
    private static final long COMMIT_EPOCH_MICROS = 1_764_500_000_000_000L;
    private static final Schema ROW = SchemaBuilder.struct().name("relay.public.outbox.Value")
            .field("id", Schema.STRING_SCHEMA).field("aggregatetype", Schema.STRING_SCHEMA)
            .field("aggregateid", Schema.STRING_SCHEMA).field("type", Schema.STRING_SCHEMA)
            .field("payload", Schema.STRING_SCHEMA).field("headers", Schema.OPTIONAL_STRING_SCHEMA)
            .field("created_at", Schema.STRING_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().field("before", SchemaBuilder.struct().optional()
            .build()).field("after", ROW).field("op", Schema.STRING_SCHEMA).build();
    private static final Schema TRANSACTION = SchemaBuilder.struct().field("status", Schema.STRING_SCHEMA)
            .field("id", Schema.STRING_SCHEMA).build();

    private final DebeziumRecords records = new DebeziumRecords("relay", "public", "outbox");

    @Test
    void aTransactionBecomesBeginRelationInsertsAndCommitAtItsEndLsn() {
        List<PgOutputMessage> messages = translate(
                transaction("BEGIN", Map.of("lsn", 1000L, "txId", 745L, "ts_usec", COMMIT_EPOCH_MICROS)),
                row("e-1", "order", "o-1", null),
                row("e-2", "order", "o-1", "{\"traceparent\": \"00-abc-def-01\"}"),
                transaction("END", Map.of("lsn", 2000L, "lsn_commit", 2000L, "txId", 745L,
                        "ts_usec", COMMIT_EPOCH_MICROS)));

        assertThat(messages).containsExactly(
                new PgOutputMessage.Begin(1000L, COMMIT_EPOCH_MICROS - 946_684_800_000_000L, 745),
                new PgOutputMessage.Relation(DebeziumRecords.OUTBOX_RELATION, "public", "outbox", List.of("id",
                        "aggregatetype", "aggregateid", "type", "payload", "headers", "created_at")),
                new PgOutputMessage.Insert(DebeziumRecords.OUTBOX_RELATION, Arrays.asList("e-1", "order", "o-1",
                        "OrderPlaced", "{\"n\": 1}", null, "2026-11-30T10:00:00.123456Z")),
                new PgOutputMessage.Insert(DebeziumRecords.OUTBOX_RELATION, Arrays.asList("e-2", "order", "o-1",
                        "OrderPlaced", "{\"n\": 1}", "{\"traceparent\": \"00-abc-def-01\"}",
                        "2026-11-30T10:00:00.123456Z")),
                new PgOutputMessage.Commit(2000L, 2000L, COMMIT_EPOCH_MICROS - 946_684_800_000_000L));
    }

    @Test
    void theRelaysOwnLogicalMessageIsARowlessTransactionEndAndHeartbeatsAreNothing() {
        SourceRecord message = new SourceRecord(PARTITION, Map.of("lsn", 3000L, "lsn_commit", 3000L),
                "relay.message", null, null);
        SourceRecord heartbeat = new SourceRecord(PARTITION, Map.of("lsn", 3000L), "__debezium-heartbeat.relay",
                null, null);
        SourceRecord otherTable = new SourceRecord(PARTITION, Map.of("lsn", 3100L), "relay.public.orders",
                ENVELOPE, row("x", "order", "o", null).value());

        assertThat(translate(message, heartbeat, otherTable))
                .containsExactly(new PgOutputMessage.Commit(3000L, 3000L, 0));
    }

    private List<PgOutputMessage> translate(SourceRecord... input) {
        List<PgOutputMessage> messages = new ArrayList<>();
        for (SourceRecord record : input) {
            records.translate(record, messages);
        }
        return messages;
    }

    private static SourceRecord transaction(String status, Map<String, Long> offset) {
        Struct value = new Struct(TRANSACTION).put("status", status).put("id", "745:1000");
        return new SourceRecord(PARTITION, offset, "relay.transaction", TRANSACTION, value);
    }

    private static SourceRecord row(String id, String aggregateType, String aggregateId, String headers) {
        Struct after = new Struct(ROW).put("id", id).put("aggregatetype", aggregateType)
                .put("aggregateid", aggregateId).put("type", "OrderPlaced").put("payload", "{\"n\": 1}")
                .put("headers", headers).put("created_at", "2026-11-30T10:00:00.123456Z");
        return new SourceRecord(PARTITION, Map.of("lsn", 1500L), "relay.public.outbox", ENVELOPE, envelope(after));
    }

    private static Struct envelope(Object after) {
        return new Struct(ENVELOPE).put("after", after).put("op", "c");
    }
}
