package dev.outbox.spring;

import dev.outbox.consumer.InboxTransactions;
import java.sql.Connection;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The consumer's transactions run by Spring's transaction manager: the inbox insert and the handler use the
 * connection Spring binds to the transaction, so a handler's JdbcTemplate or JPA writes share it and commit (or roll
 * back) with the inbox row.
 */
final class SpringInboxTransactions implements InboxTransactions {

    private final TransactionTemplate template;
    private final DataSource dataSource;

    SpringInboxTransactions(PlatformTransactionManager transactionManager, DataSource dataSource) {
        this.template = new TransactionTemplate(transactionManager);
        this.dataSource = dataSource;
    }

    @Override
    public void inTransaction(TransactionWork work) throws Exception {
        try {
            template.executeWithoutResult(status -> {
                Connection connection = DataSourceUtils.getConnection(dataSource);
                try {
                    work.run(connection);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Exception e) {
                    // TransactionTemplate rolls back on unchecked exceptions only: carry checked ones out.
                    throw new CheckedWorkFailure(e);
                } finally {
                    DataSourceUtils.releaseConnection(connection, dataSource);
                }
            });
        } catch (CheckedWorkFailure e) {
            throw (Exception) e.getCause();
        }
    }

    private static final class CheckedWorkFailure extends RuntimeException {
        CheckedWorkFailure(Exception cause) {
            super(cause);
        }
    }
}
