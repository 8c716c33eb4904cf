package dev.outbox.spring;

import dev.outbox.consumer.Inbox;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.apache.kafka.common.header.Headers;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The inbox for listeners the starter does not run, e.g. a {@code @KafkaListener} method: inside the listener's
 * Spring transaction, {@link #firstDelivery} records the event as applied and says whether to apply it. The row and
 * the listener's writes commit together, so a redelivered event is applied once.
 *
 * <pre>{@code
 * @KafkaListener(topics = "outbox.event.order")
 * @Transactional
 * public void on(ConsumerRecord<String, String> record) {
 *     if (inbox.firstDelivery(record.headers())) {
 *         jdbcTemplate.update("UPDATE stock SET reserved = reserved + 1 WHERE sku = ?", sku(record));
 *     }
 * }
 * }</pre>
 */
public final class TransactionalInbox {

    private final DataSource dataSource;
    private final String defaultGroup;

    public TransactionalInbox(DataSource dataSource, String defaultGroup) {
        this.dataSource = dataSource;
        this.defaultGroup = defaultGroup;
    }

    /** {@link #firstDelivery(String, UUID)} for the event id in the relay's {@code id} (or {@code ce_id}) header. */
    public boolean firstDelivery(Headers headers) {
        UUID eventId = Inbox.eventId(headers).orElseThrow(() -> new IllegalArgumentException(
                "the record has no UUID in its id or ce_id header: it was not produced by the outbox relay"));
        return firstDelivery(eventId);
    }

    /** {@link #firstDelivery(String, UUID)} for {@code outbox.consumer.group} (default spring.application.name). */
    public boolean firstDelivery(UUID eventId) {
        if (defaultGroup == null || defaultGroup.isBlank()) {
            throw new IllegalStateException("set outbox.consumer.group (or spring.application.name), or pass the "
                    + "consumer group to firstDelivery(group, eventId)");
        }
        return firstDelivery(defaultGroup, eventId);
    }

    /**
     * Records {@code eventId} as applied by {@code consumerGroup} in the current Spring transaction.
     *
     * @return {@code true}: first delivery, apply the effect; {@code false}: already applied, skip it
     * @throws IllegalStateException no Spring transaction is active (the row would commit apart from the effect)
     */
    public boolean firstDelivery(String consumerGroup, UUID eventId) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("TransactionalInbox needs a Spring transaction, so that the inbox row "
                    + "commits with the effect: annotate the listener @Transactional or use TransactionTemplate");
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return Inbox.firstDelivery(connection, consumerGroup, eventId);
        } catch (SQLException e) {
            throw new IllegalStateException("could not write the inbox row (is processed_event migrated?)", e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }
}
