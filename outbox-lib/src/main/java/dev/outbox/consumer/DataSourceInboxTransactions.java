package dev.outbox.consumer;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link InboxTransactions#of(DataSource)}: one connection per transaction, committed or rolled back here. */
final class DataSourceInboxTransactions implements InboxTransactions {

    private static final Logger log = LoggerFactory.getLogger(DataSourceInboxTransactions.class);

    private final DataSource dataSource;

    DataSourceInboxTransactions(DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
    }

    @Override
    public void inTransaction(TransactionWork work) throws Exception {
        Connection opened;
        try {
            opened = dataSource.getConnection();
            opened.setAutoCommit(false);
        } catch (SQLException | RuntimeException e) {
            // No connection: whatever the SQLState, the record is not to blame.
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
