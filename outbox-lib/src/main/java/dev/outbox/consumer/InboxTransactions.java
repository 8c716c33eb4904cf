package dev.outbox.consumer;

import java.sql.Connection;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Runs one unit of inbox work in a database transaction and hands it the transaction's connection.
 *
 * <p>The consumer runs the inbox insert and the handler of each record through it: the work's writes commit
 * together, or roll back together when the work throws. The default, {@link #of(DataSource)}, opens a connection of
 * its own. A Spring application supplies one over its transaction manager (a {@code TransactionTemplate} around
 * {@code DataSourceUtils.getConnection(dataSource)}), so that {@code JdbcTemplate} or JPA writes in a handler join
 * the inbox transaction. An implementation must roll back and rethrow when the work throws (an {@link Error} too),
 * and must not swallow the work's exception.
 */
@FunctionalInterface
public interface InboxTransactions {

    /** Runs {@code work} in a new transaction: commits when it returns, rolls back and rethrows when it throws. */
    void inTransaction(TransactionWork work) throws Exception;

    /** The work of one transaction, given the transaction's connection (do not commit, roll back or close it). */
    @FunctionalInterface
    interface TransactionWork {
        void run(Connection connection) throws Exception;
    }

    /** The default: a connection of its own from the DataSource, auto-commit off, commit or rollback. */
    static InboxTransactions of(DataSource dataSource) {
        return new DataSourceTransactions(Objects.requireNonNull(dataSource, "dataSource must not be null"));
    }
}
