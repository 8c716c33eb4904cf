package dev.outbox.sample.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * Statements run with plain JDBC on the connection of {@code tx}'s transaction. jOOQ's plain-SQL {@code execute}
 * renders each statement a second time and classifies it with regular expressions compiled on every call; in the
 * sandbox's profile that cost more CPU than the statements. The saga handlers' queries that return rows use
 * {@link #query} for the same reason; others stay on jOOQ. A failure is jOOQ's {@link DataAccessException} naming the
 * statement and the database's message (what a dead letter's reason shows), with the {@link SQLException} as cause.
 */
public final class Sql {

    private Sql() {
    }

    /** Reads one row of a {@link ResultSet} (positioned on it) into a value. */
    @FunctionalInterface
    public interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    /** Runs {@code sql} with {@code bindings} as JDBC parameters; returns the update count (0 for a SELECT). */
    public static int execute(DSLContext tx, String sql, Object... bindings) {
        return withStatement(tx, sql, statement -> {
            bind(statement, bindings);
            statement.execute();
            return Math.max(statement.getUpdateCount(), 0);
        });
    }

    /**
     * Runs {@code sql} once per row of {@code bindings}, in that order, as one JDBC batch: one round trip to the
     * database instead of one per row, with the statements still executed one after the other (so rows are locked
     * in the order given). Returns each statement's update count.
     */
    public static int[] executeBatch(DSLContext tx, String sql, List<Object[]> bindings) {
        if (bindings.isEmpty()) {
            return new int[0];
        }
        return withStatement(tx, sql, statement -> {
            for (Object[] row : bindings) {
                bind(statement, row);
                statement.addBatch();
            }
            return statement.executeBatch();
        });
    }

    /** Runs the query {@code sql} with {@code bindings} as JDBC parameters; its rows as {@code reader} reads them. */
    public static <T> List<T> query(DSLContext tx, String sql, RowReader<T> reader, Object... bindings) {
        return withStatement(tx, sql, statement -> {
            bind(statement, bindings);
            List<T> rows = new ArrayList<>();
            try (ResultSet resultSet = statement.executeQuery()) {
                while (resultSet.next()) {
                    rows.add(reader.read(resultSet));
                }
            }
            return rows;
        });
    }

    private interface StatementWork<T> {
        T run(PreparedStatement statement) throws SQLException;
    }

    private static <T> T withStatement(DSLContext tx, String sql, StatementWork<T> work) {
        return tx.connectionResult((Connection connection) -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                return work.run(statement);
            } catch (SQLException e) {
                SQLException cause = e.getNextException() != null ? e.getNextException() : e;
                throw new DataAccessException("SQL [" + sql + "]; " + cause.getMessage(), e);
            }
        });
    }

    private static void bind(PreparedStatement statement, Object[] bindings) throws SQLException {
        for (int i = 0; i < bindings.length; i++) {
            statement.setObject(i + 1, bindings[i]);
        }
    }
}
