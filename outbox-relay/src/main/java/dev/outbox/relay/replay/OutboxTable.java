package dev.outbox.relay.replay;

import dev.outbox.relay.route.OutboxRow;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.PGProperty;

/**
 * The outbox table as the replay reads it: one read-only {@code REPEATABLE READ} transaction, so the range it
 * reports and the rows it sends are the same snapshot. Rows are streamed with a cursor, never all held.
 */
final class OutboxTable implements AutoCloseable {

    private static final int FETCH_SIZE = 1_000;

    private final Connection connection;
    private final String table;

    private OutboxTable(Connection connection, String table) {
        this.connection = connection;
        this.table = table;
    }

    static OutboxTable open(String url, String user, String password, String relayName, String table)
            throws SQLException {
        Properties properties = new Properties();
        PGProperty.USER.set(properties, user);
        PGProperty.PASSWORD.set(properties, password);
        PGProperty.CONNECT_TIMEOUT.set(properties, 5);
        PGProperty.APPLICATION_NAME.set(properties, "outbox-relay-replay:" + relayName);
        Connection connection = DriverManager.getConnection(url, properties);
        try {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET DateStyle = ISO");
                statement.execute("SET TimeZone = 'UTC'");
            }
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            return new OutboxTable(connection, table);
        } catch (SQLException e) {
            connection.close();
            throw e;
        }
    }

    String table() {
        return table;
    }

    /** Whether the server records commit times ({@code track_commit_timestamp}), which order rows best. */
    boolean commitTimestamps() throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SHOW track_commit_timestamp")) {
            rs.next();
            return "on".equals(rs.getString(1));
        }
    }

    /**
     * The start of the replay's transaction: every row committed after it is outside the snapshot the replay reads
     * (the snapshot is taken at the transaction's first query, at or after this time).
     */
    Instant snapshotTime() throws SQLException {
        return single("SELECT now()");
    }

    /** The created_at of the oldest row still in the table (null when empty): older rows were deleted. */
    Instant oldestCreatedAt() throws SQLException {
        return single("SELECT min(created_at) FROM " + table);
    }

    private Instant single(String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            OffsetDateTime time = rs.getObject(1, OffsetDateTime.class);
            return time == null ? null : time.toInstant();
        }
    }

    /** The (aggregatetype, type) pairs in the table, to find the topics the relay routes them to. */
    List<String[]> kinds(List<String> aggregateTypes) throws SQLException {
        String sql = "SELECT DISTINCT aggregatetype, type FROM " + table
                + (aggregateTypes.isEmpty() ? "" : " WHERE aggregatetype = ANY (?)");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            if (!aggregateTypes.isEmpty()) {
                statement.setArray(1, connection.createArrayOf("text", aggregateTypes.toArray()));
            }
            List<String[]> kinds = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    kinds.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            return kinds;
        }
    }

    /** The newest created_at of the rows with these ids that are still in the table. */
    Optional<Instant> newestCreatedAt(Collection<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        try (PreparedStatement statement = connection.prepareStatement("SELECT max(created_at) FROM " + table
                + " WHERE id = ANY (?::uuid[])")) {
            statement.setArray(1, connection.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                OffsetDateTime newest = rs.getObject(1, OffsetDateTime.class);
                return Optional.ofNullable(newest).map(OffsetDateTime::toInstant);
            }
        }
    }

    /** How many rows the selection holds and their created_at and id range. */
    Range range(ReplayQuery query) throws SQLException {
        try (PreparedStatement statement = prepare(query.rangeSql(), query.parameters());
                ResultSet rs = statement.executeQuery()) {
            rs.next();
            OffsetDateTime oldest = rs.getObject(2, OffsetDateTime.class);
            OffsetDateTime newest = rs.getObject(3, OffsetDateTime.class);
            return new Range(rs.getLong(1), oldest == null ? null : oldest.toInstant(),
                    newest == null ? null : newest.toInstant(), rs.getString(4), rs.getString(5));
        }
    }

    /** Hands every selected row, in commit order, to {@code rows}. */
    void forEachRow(ReplayQuery query, RowHandler rows) throws SQLException, InterruptedException {
        try (PreparedStatement statement = prepare(query.rowsSql(), query.parameters())) {
            statement.setFetchSize(FETCH_SIZE);
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    rows.row(row(rs));
                }
            }
        }
    }

    private static OutboxRow row(ResultSet rs) throws SQLException {
        Instant committed = rs.getObject(9, OffsetDateTime.class).toInstant();
        long commitMicros = ChronoUnit.MICROS.between(Instant.EPOCH, committed) - OutboxRow.POSTGRES_EPOCH_MICROS;
        // No commit LSN: the row comes from the table, not the WAL (a dead letter's dlq_source_lsn reads 0/0).
        return new OutboxRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), 0L, commitMicros, (int) rs.getLong(8));
    }

    private PreparedStatement prepare(String sql, List<Object> parameters) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < parameters.size(); i++) {
            Object parameter = parameters.get(i);
            if (parameter instanceof String[] texts) {
                statement.setArray(i + 1, connection.createArrayOf("text", texts));
            } else {
                statement.setObject(i + 1, parameter);
            }
        }
        return statement;
    }

    @Override
    public void close() throws SQLException {
        try {
            connection.rollback();
        } finally {
            connection.close();
        }
    }

    /** One row at a time, in commit order. */
    interface RowHandler {
        void row(OutboxRow row) throws InterruptedException;
    }

    /** The selection's size and bounds; the bounds are null when it is empty. */
    record Range(long rows, Instant oldestCreatedAt, Instant newestCreatedAt, String lowestId, String highestId) {
    }
}
