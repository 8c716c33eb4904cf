package dev.outbox.sample.support;

import java.sql.PreparedStatement;
import java.util.List;
import org.jooq.DSLContext;

/**
 * Statements whose only result is a row count (or a lock), run with plain JDBC on the connection of {@code tx}'s
 * transaction. jOOQ's plain-SQL {@code execute} renders each statement a second time and classifies it with regular
 * expressions compiled on every call; in the sandbox's profile that cost more CPU than the statements. Queries that
 * return rows stay on jOOQ.
 */
public final class Sql {

    private Sql() {
    }

    /** Runs {@code sql} with {@code bindings} as JDBC parameters; returns the update count (0 for a SELECT). */
    public static int execute(DSLContext tx, String sql, Object... bindings) {
        return tx.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int i = 0; i < bindings.length; i++) {
                    statement.setObject(i + 1, bindings[i]);
                }
                statement.execute();
                return Math.max(statement.getUpdateCount(), 0);
            }
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
        return tx.connectionResult(connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (Object[] row : bindings) {
                    for (int i = 0; i < row.length; i++) {
                        statement.setObject(i + 1, row[i]);
                    }
                    statement.addBatch();
                }
                return statement.executeBatch();
            }
        });
    }
}
