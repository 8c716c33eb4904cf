package dev.outbox.consumer;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link InboxTransactions#of}: one connection per transaction, auto-commit off, commit or roll back, close. */
final class DataSourceTransactions implements InboxTransactions {

    private static final Logger log = LoggerFactory.getLogger(DataSourceTransactions.class);

    private final DataSource dataSource;

    DataSourceTransactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public void inTransaction(TransactionWork work) throws Exception {
        Connection opened;
        try {
            opened = dataSource.getConnection();
            opened.setAutoCommit(false);
        } catch (SQLException | RuntimeException e) {
            throw new DefaultEventConsumer.DatabaseUnavailable(e);
        }
        try (Connection connection = opened) {
            try {
                work.run(connection);
                connection.commit();
            } catch (Exception | Error e) {
                rollbackQuietly(connection);
                throw e;
            }
        }
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            log.debug("Rollback failed (the connection is probably gone)", e);
        }
    }
}
