package dev.outbox.relay.source;

import java.util.List;

/** The pgoutput (protocol 1) messages the relay acts on; others are decoded as {@link Ignored}. */
public sealed interface PgOutputMessage {

    /** BEGIN: {@code finalLsn} is the LSN of the transaction's commit record. */
    record Begin(long finalLsn, long commitTimeMicros, int xid) implements PgOutputMessage {
    }

    /** RELATION: the columns of a table, sent before its first change in a session. */
    record Relation(int oid, String namespace, String name, List<String> columns) implements PgOutputMessage {
    }

    /** INSERT: the new row's values in text format, in the relation's column order ({@code null} for NULL). */
    record Insert(int relationOid, List<String> values) implements PgOutputMessage {
    }

    /** COMMIT: {@code endLsn} is the position to confirm once everything of this transaction is in Kafka. */
    record Commit(long commitLsn, long endLsn, long commitTimeMicros) implements PgOutputMessage {
    }

    /** Any other message (UPDATE, DELETE, TRUNCATE, TYPE, ORIGIN, logical message ...). */
    record Ignored(char type) implements PgOutputMessage {
    }
}
