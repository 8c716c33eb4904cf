package dev.outbox.spring;

import dev.outbox.Outbox;
import dev.outbox.OutboxEvent;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Publishes into the outbox in the current Spring transaction: call it from a {@code @Transactional} method (or
 * inside {@code TransactionTemplate.execute}); the event row is written on the connection Spring bound to that
 * transaction, so it commits or rolls back with the method's other writes (JdbcTemplate, JPA, jOOQ).
 *
 * <pre>{@code
 * @Transactional
 * public void placeOrder(UUID orderId) {
 *     jdbcTemplate.update("INSERT INTO orders (id, status) VALUES (?, 'PENDING')", orderId);
 *     publisher.publish(new OrderPlaced(orderId));
 * }
 * }</pre>
 */
public final class OutboxPublisher {

    private final Outbox outbox;
    private final DataSource dataSource;

    public OutboxPublisher(Outbox outbox, DataSource dataSource) {
        this.outbox = outbox;
        this.dataSource = dataSource;
    }

    /**
     * Inserts one event in the current transaction.
     *
     * @return the new event id
     * @throws IllegalStateException no Spring transaction is active
     */
    public UUID publish(OutboxEvent event) {
        return inTransaction(connection -> outbox.publish(connection, event));
    }

    /** As {@link #publish(OutboxEvent)} with extra headers (e.g. {@code OutboxHeaders.saga(sagaId)}). */
    public UUID publish(OutboxEvent event, Map<String, String> headers) {
        return inTransaction(connection -> outbox.publish(connection, event, headers));
    }

    /** Inserts many events with one statement, in list order, in the current transaction. */
    public List<UUID> publishAll(List<? extends OutboxEvent> events) {
        return inTransaction(connection -> outbox.publishAll(connection, events));
    }

    private <T> T inTransaction(Function<Connection, T> publish) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("OutboxPublisher needs a Spring transaction, so that the event commits "
                    + "with your change: call it from a @Transactional method or inside TransactionTemplate.execute(...)");
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return publish.apply(connection);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }
}
