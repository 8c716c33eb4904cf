package dev.outbox.relay.source;

import dev.outbox.relay.route.OutboxRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Turns Debezium's records back into the pgoutput-shaped messages the relay works with. Pure apart from remembering
 * the row schema, so it is tested without a database.
 *
 * <ul>
 *   <li>a transaction-metadata BEGIN → {@link PgOutputMessage.Begin} (first LSN, commit time, xid);</li>
 *   <li>an insert into the outbox table → a {@link PgOutputMessage.Relation} when its columns are new, then a
 *       {@link PgOutputMessage.Insert} with the column values as text;</li>
 *   <li>a transaction-metadata END → {@link PgOutputMessage.Commit} at the transaction's end LSN
 *       ({@code lsn_commit}), the position the relay may confirm once the transaction's rows are in Kafka;</li>
 *   <li>the relay's own logical decoding message → a row-less {@link PgOutputMessage.Commit} at its LSN;</li>
 *   <li>anything else (heartbeats) → nothing.</li>
 * </ul>
 */
final class DebeziumRecords {

    static final int OUTBOX_RELATION = 1;

    private final String schema;
    private final String table;
    private final String dataTopic;
    private final String transactionTopic;
    private final String messageTopic;
    private Schema rowSchema;

    DebeziumRecords(String topicPrefix, String schema, String table) {
        this.schema = schema;
        this.table = table;
        this.dataTopic = topicPrefix + "." + schema + "." + table;
        this.transactionTopic = topicPrefix + ".transaction";
        this.messageTopic = topicPrefix + ".message";
    }

    void translate(SourceRecord record, List<PgOutputMessage> messages) {
        String topic = record.topic();
        if (topic.equals(dataTopic)) {
            insert((Struct) record.value(), messages);
        } else if (topic.equals(transactionTopic)) {
            Struct value = (Struct) record.value();
            Map<String, ?> offset = record.sourceOffset();
            long commitMicros = number(offset, "ts_usec") - OutboxRow.POSTGRES_EPOCH_MICROS;
            if ("BEGIN".equals(value.getString("status"))) {
                messages.add(new PgOutputMessage.Begin(number(offset, "lsn"), commitMicros,
                        (int) number(offset, "txId")));
            } else {
                long end = number(offset, "lsn_commit");
                messages.add(new PgOutputMessage.Commit(end, end, commitMicros));
            }
        } else if (topic.equals(messageTopic)) {
            long position = number(record.sourceOffset(), "lsn");
            messages.add(new PgOutputMessage.Commit(position, position, 0));
        }
    }

    private void insert(Struct value, List<PgOutputMessage> messages) {
        Struct after = value == null ? null : value.getStruct("after");
        if (after == null) {
            return;
        }
        if (after.schema() != rowSchema) {
            rowSchema = after.schema();
            messages.add(new PgOutputMessage.Relation(OUTBOX_RELATION, schema, table,
                    rowSchema.fields().stream().map(Field::name).toList()));
        }
        List<String> values = new ArrayList<>(rowSchema.fields().size());
        for (Field field : rowSchema.fields()) {
            Object columnValue = after.get(field);
            values.add(columnValue == null ? null : columnValue.toString());
        }
        messages.add(new PgOutputMessage.Insert(OUTBOX_RELATION, values));
    }

    private static long number(Map<String, ?> offset, String key) {
        Object value = offset.get(key);
        return value instanceof Number n ? n.longValue() : 0L;
    }
}
