package dev.outbox.consumer;

import java.sql.Connection;
import javax.sql.DataSource;

/**
 * How the consumer runs one record's inbox insert and handler in one database transaction. The default,
 * {@link #of(DataSource)}, takes a connection from the data source and commits it itself; a framework adapter (e.g.
 * outbox-spring-boot-starter) runs the work in the framework's transaction instead, so that writes the handler makes
 * through the framework (JdbcTemplate, JPA) share the inbox transaction.
 *
 * <p>Contract: run {@code work} with the connection of one transaction; commit when it returns, roll back and rethrow
 * when it throws.
 */
@FunctionalInterface
public interface InboxTransactions {

    /** Runs {@code work} in one transaction: committed if it returns, rolled back (and the exception rethrown) if not. */
    void inTransaction(TransactionWork work) throws Exception;

    /** The work of one transaction, given that transaction's connection. */
    @FunctionalInterface
    interface TransactionWork {
        void run(Connection connection) throws Exception;
    }

    /** A connection per transaction from {@code dataSource}, auto-commit off, committed or rolled back here. */
    static InboxTransactions of(DataSource dataSource) {
        return new DataSourceInboxTransactions(dataSource);
    }
}
