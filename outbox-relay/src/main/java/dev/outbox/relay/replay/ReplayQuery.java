package dev.outbox.relay.replay;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The SQL that selects the rows to replay, in commit order. No I/O: the statement text and its parameters.
 *
 * <p>The outbox table has no column that records commit order ({@code created_at} is {@code now()}, the
 * transaction's start, and ids need not be ordered), so the order comes from the row's transaction:
 * <ul>
 *   <li>with {@code track_commit_timestamp = on}, the commit time of the row's transaction
 *       ({@code pg_xact_commit_timestamp(xmin)}), which follows commit order for the transactions that matter to
 *       per-aggregate order: those that wait for each other on the aggregate's row;</li>
 *   <li>then the transaction id, oldest first ({@code age(xmin)} descending: safe across xid wraparound): the
 *       order transactions first wrote, which is commit order for transactions that lock the aggregate before their
 *       first write, but not for one that wrote something else before it waited;</li>
 *   <li>then, inside one transaction, where the rows are stored ({@code ctid}): insertion order, unless the
 *       transaction's rows spilled onto a page PostgreSQL reused after deletions.</li>
 * </ul>
 */
final class ReplayQuery {

    private final String table;
    private final boolean commitTimestamps;
    private final Instant from;
    private final Instant to;
    private final UUID fromId;
    private final UUID toId;
    private final List<String> aggregateTypes;

    /**
     * @param from the lower bound on created_at (inclusive) — the option's, or the one {@code --after-kafka} found
     */
    ReplayQuery(String table, boolean commitTimestamps, ReplayOptions options, Instant from) {
        this.table = table;
        this.commitTimestamps = commitTimestamps;
        this.from = from;
        this.to = options.to();
        this.fromId = options.fromId();
        this.toId = options.toId();
        this.aggregateTypes = options.aggregateTypes();
    }

    String rowsSql() {
        String commitTime = commitTimestamps ? "COALESCE(pg_xact_commit_timestamp(xmin), created_at)" : "created_at";
        String order = (commitTimestamps ? "pg_xact_commit_timestamp(xmin) NULLS FIRST, " : "")
                + "age(xmin) DESC, ctid";
        return "SELECT id::text, aggregatetype, aggregateid, type, payload::text, headers::text, created_at::text, "
                + "xmin::text::bigint, " + commitTime + " FROM " + table + where() + " ORDER BY " + order;
    }

    /** The number of rows and the created_at range of the selection. */
    String rangeSql() {
        return "SELECT count(*), min(created_at), max(created_at), min(id::text), max(id::text) FROM " + table
                + where();
    }

    private String where() {
        List<String> conditions = new ArrayList<>();
        if (from != null) {
            conditions.add("created_at >= ?");
        }
        if (to != null) {
            conditions.add("created_at < ?");
        }
        if (fromId != null) {
            conditions.add("id >= ?::uuid");
        }
        if (toId != null) {
            conditions.add("id <= ?::uuid");
        }
        if (!aggregateTypes.isEmpty()) {
            conditions.add("aggregatetype = ANY (?)");
        }
        return conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    }

    /** The parameters of {@link #rowsSql()} and {@link #rangeSql()}, in order; the aggregate types as an array. */
    List<Object> parameters() {
        List<Object> parameters = new ArrayList<>();
        if (from != null) {
            parameters.add(java.time.OffsetDateTime.ofInstant(from, java.time.ZoneOffset.UTC));
        }
        if (to != null) {
            parameters.add(java.time.OffsetDateTime.ofInstant(to, java.time.ZoneOffset.UTC));
        }
        if (fromId != null) {
            parameters.add(fromId.toString());
        }
        if (toId != null) {
            parameters.add(toId.toString());
        }
        if (!aggregateTypes.isEmpty()) {
            parameters.add(aggregateTypes.toArray(String[]::new));
        }
        return parameters;
    }

    /** What the selection covers, for the summary line. */
    String describe() {
        List<String> parts = new ArrayList<>();
        parts.add("created_at " + (from == null ? "from the oldest row" : ">= " + from)
                + (to == null ? " to the newest" : ", < " + to));
        if (fromId != null || toId != null) {
            parts.add("id " + (fromId == null ? "" : ">= " + fromId) + (fromId != null && toId != null ? ", " : "")
                    + (toId == null ? "" : "<= " + toId));
        }
        if (!aggregateTypes.isEmpty()) {
            parts.add("aggregatetype in " + aggregateTypes);
        }
        parts.add("ordered by " + (commitTimestamps ? "commit time (track_commit_timestamp = on), then " : "")
                + "transaction id");
        return String.join("; ", parts);
    }
}
