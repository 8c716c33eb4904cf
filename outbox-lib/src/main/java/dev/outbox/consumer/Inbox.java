package dev.outbox.consumer;

import dev.outbox.OutboxHeaders;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The inbox on its own, for a {@code @KafkaListener} method or any other loop that owns its transaction: call
 * {@link #firstDelivery} first thing in the transaction that applies the event, and apply it only when it returns
 * {@code true}. The row and the effect then commit (or roll back) together, so each event is applied once per
 * consumer group however often it is delivered. Commit the Kafka offset only after the database commit.
 */
public final class Inbox {

    private static final String INSERT = """
            INSERT INTO processed_event (consumer_group, event_id) VALUES (?, ?)
            ON CONFLICT DO NOTHING
            """;
    private static final String INSERT_ALL = """
            INSERT INTO processed_event (consumer_group, event_id) SELECT ?, unnest(?::uuid[])
            ON CONFLICT DO NOTHING
            RETURNING event_id
            """;
    private static final String SELECT = """
            SELECT 1 FROM processed_event WHERE consumer_group = ? AND event_id = ?
            """;

    private Inbox() {
    }

    /**
     * Inserts (consumerGroup, eventId) into {@code processed_event} with {@code ON CONFLICT DO NOTHING} in the
     * caller's transaction; true when this is the first delivery (apply the effect), false for a duplicate (skip).
     * A concurrent first delivery of the same event in another transaction makes this wait for that transaction:
     * true if it rolled back, false if it committed.
     *
     * @throws IllegalStateException when the connection is in auto-commit mode: the row would commit on its own, and
     *                               an effect that then failed would never be applied
     */
    public static boolean firstDelivery(Connection connection, String consumerGroup, UUID eventId) throws SQLException {
        Objects.requireNonNull(connection, "connection must not be null");
        Objects.requireNonNull(eventId, "eventId must not be null");
        if (consumerGroup == null || consumerGroup.isBlank()) {
            throw new IllegalArgumentException("consumerGroup must not be blank");
        }
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("Inbox.firstDelivery needs the transaction that applies the event, "
                    + "but the connection is in auto-commit mode: call setAutoCommit(false) first, or use the "
                    + "connection of the surrounding transaction (Spring: DataSourceUtils.getConnection inside "
                    + "@Transactional)");
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setString(1, consumerGroup);
            insert.setObject(2, eventId);
            return insert.executeUpdate() == 1;
        }
    }

    /**
     * {@link #firstDelivery} for several events in one statement (one round trip for a whole batch): the ids among
     * {@code eventIds} that this transaction inserted, so whose effects it must apply. An id given twice is inserted
     * once; the caller applies only its first occurrence.
     */
    static Set<UUID> firstDeliveries(Connection connection, String consumerGroup, List<UUID> eventIds)
            throws SQLException {
        if (eventIds.size() == 1) {
            return firstDelivery(connection, consumerGroup, eventIds.get(0)) ? Set.of(eventIds.get(0)) : Set.of();
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT_ALL)) {
            insert.setString(1, consumerGroup);
            insert.setArray(2, connection.createArrayOf("uuid", eventIds.toArray()));
            Set<UUID> inserted = new HashSet<>();
            try (ResultSet rows = insert.executeQuery()) {
                while (rows.next()) {
                    inserted.add(rows.getObject(1, UUID.class));
                }
            }
            return inserted;
        }
    }

    /** Whether the event was already applied for the group (a committed inbox row exists). */
    static boolean applied(Connection connection, String consumerGroup, UUID eventId) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(SELECT)) {
            select.setString(1, consumerGroup);
            select.setObject(2, eventId);
            try (var rows = select.executeQuery()) {
                return rows.next();
            }
        }
    }

    /**
     * The event id of a record relayed by outbox-relay (its {@code id} header, or the CloudEvents {@code ce_id}
     * header when {@code id} is missing); empty when missing or not a UUID.
     */
    public static Optional<UUID> eventId(Headers headers) {
        String id = firstNonBlank(lastValue(headers, OutboxHeaders.KAFKA_ID),
                lastValue(headers, OutboxHeaders.KAFKA_CE_ID));
        if (id == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(id.trim()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String lastValue(Headers headers, String key) {
        if (headers == null) {
            return null;
        }
        Header header = headers.lastHeader(key);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : null;
    }
}
