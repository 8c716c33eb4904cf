package dev.outbox.consumer;

import dev.outbox.OutboxHeaders;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The inbox ({@code processed_event}) for consumers other than {@link EventConsumer}, e.g. a Spring
 * {@code @KafkaListener}: record an event as applied in the handler's transaction and apply its effect only on the
 * first delivery.
 *
 * <pre>{@code
 * if (Inbox.firstDelivery(tx, "inventory-service", eventId)) {
 *     // apply the effect on tx; commit both together
 * }
 * }</pre>
 */
public final class Inbox {

    private static final String INSERT = """
            INSERT INTO processed_event (consumer_group, event_id) VALUES (?, ?)
            ON CONFLICT DO NOTHING
            """;

    private Inbox() {
    }

    /**
     * Records {@code eventId} as applied by {@code consumerGroup} on {@code connection}, in its transaction.
     *
     * @return {@code true}: the first delivery, apply the effect; {@code false}: already applied, skip it
     */
    public static boolean firstDelivery(Connection connection, String consumerGroup, UUID eventId)
            throws SQLException {
        if (consumerGroup == null || consumerGroup.isBlank()) {
            throw new IllegalArgumentException("consumerGroup must not be blank");
        }
        if (eventId == null) {
            throw new IllegalArgumentException("eventId must not be null");
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setString(1, consumerGroup);
            insert.setObject(2, eventId);
            return insert.executeUpdate() == 1;
        }
    }

    /**
     * The event id of a record the relay produced: header {@value OutboxHeaders#KAFKA_ID}, else
     * {@value OutboxHeaders#KAFKA_CE_ID}. Empty when neither is present or the value is not a UUID.
     */
    public static Optional<UUID> eventId(Headers headers) {
        if (headers == null) {
            return Optional.empty();
        }
        return text(headers.lastHeader(OutboxHeaders.KAFKA_ID))
                .or(() -> text(headers.lastHeader(OutboxHeaders.KAFKA_CE_ID)))
                .flatMap(Inbox::uuid);
    }

    private static Optional<String> text(Header header) {
        if (header == null || header.value() == null) {
            return Optional.empty();
        }
        String value = new String(header.value(), StandardCharsets.UTF_8).trim();
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static Optional<UUID> uuid(String value) {
        try {
            return Optional.of(UUID.fromString(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
