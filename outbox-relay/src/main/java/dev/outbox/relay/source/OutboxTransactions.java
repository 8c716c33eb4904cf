package dev.outbox.relay.source;

import dev.outbox.relay.route.OutboxRow;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns pgoutput-shaped messages into what a {@link ChangeStream} hands out: the outbox rows of each transaction
 * (column values picked by name from the table's RELATION) and the transaction's end. Both sources use it, so the
 * table contract is mapped in one place.
 */
final class OutboxTransactions {

    private static final String[] COLUMNS = {"id", "aggregatetype", "aggregateid", "type", "payload", "headers",
            "created_at"};
    /** The columns before this index are required by the table contract; the others may be missing. */
    private static final int REQUIRED_COLUMNS = 5;

    private final String schema;
    private final String table;
    /** Column indexes of each relation that is the outbox table; another table's relation maps to {@code null}. */
    private final Map<Integer, int[]> outboxColumns = new HashMap<>();
    private PgOutputMessage.Begin transaction;

    OutboxTransactions(String schema, String table) {
        this.schema = schema;
        this.table = table;
    }

    boolean inTransaction() {
        return transaction != null;
    }

    void accept(PgOutputMessage message, ChangeStream.Handler handler) throws SQLException, InterruptedException {
        switch (message) {
            case PgOutputMessage.Begin begin -> transaction = begin;
            case PgOutputMessage.Relation relation -> outboxColumns.put(relation.oid(),
                    relation.namespace().equals(schema) && relation.name().equals(table) ? columnIndexes(relation) : null);
            case PgOutputMessage.Insert insert -> {
                int[] columns = outboxColumns.get(insert.relationOid());
                if (columns != null) {
                    handler.row(row(columns, insert, requireTransaction()));
                }
            }
            case PgOutputMessage.Commit commit -> {
                transaction = null;
                handler.transactionEnd(commit.endLsn());
            }
            case PgOutputMessage.Ignored ignored -> {
            }
        }
    }

    /**
     * A row without its transaction has no position the slot could be confirmed at and no commit time: it cannot be
     * relayed safely, and skipping it would lose it. The server always sends BEGIN first, so this means the source
     * is misconfigured.
     */
    private PgOutputMessage.Begin requireTransaction() {
        if (transaction == null) {
            throw new SourceCheckException("an insert into " + schema + "." + table + " arrived outside a transaction "
                    + "(no BEGIN before it), so it has no position to confirm; the relay stops rather than skip it. "
                    + "With the Debezium source, transaction metadata must be on: remove "
                    + "OUTBOX_DEBEZIUM_PROVIDE_TRANSACTION_METADATA");
        }
        return transaction;
    }

    private int[] columnIndexes(PgOutputMessage.Relation relation) {
        int[] indexes = new int[COLUMNS.length];
        for (int i = 0; i < COLUMNS.length; i++) {
            indexes[i] = relation.columns().indexOf(COLUMNS[i]);
            if (indexes[i] < 0 && i < REQUIRED_COLUMNS) {
                throw new SourceCheckException("the outbox table " + schema + "." + table + " has no column '"
                        + COLUMNS[i] + "': it must follow the table contract (id, aggregatetype, aggregateid, type, "
                        + "payload, headers, created_at)");
            }
        }
        return indexes;
    }

    private static OutboxRow row(int[] columns, PgOutputMessage.Insert insert, PgOutputMessage.Begin transaction) {
        List<String> values = insert.values();
        return new OutboxRow(value(values, columns[0]), value(values, columns[1]), value(values, columns[2]),
                value(values, columns[3]), value(values, columns[4]), value(values, columns[5]),
                value(values, columns[6]), transaction.finalLsn(), transaction.commitTimeMicros(), transaction.xid());
    }

    private static String value(List<String> values, int index) {
        return index < 0 ? null : values.get(index);
    }
}
