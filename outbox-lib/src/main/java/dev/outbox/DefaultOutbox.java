package dev.outbox;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outbox.internal.ConsumedScope;
import dev.outbox.internal.PublishWithFollowUp;
import dev.outbox.internal.Tracing;
import dev.outbox.internal.UuidV7;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

final class DefaultOutbox implements Outbox, PublishWithFollowUp {

    private static final String SPRING_ADVICE = " With Spring, publish inside a @Transactional method (or a "
            + "TransactionTemplate) through outbox-spring-boot-starter's OutboxPublisher, which joins that transaction.";

    private static final String OUTSIDE_TRANSACTION_DSL = "Outbox.publish needs the caller's transaction, but this "
            + "DSLContext is outside one (its connection is in auto-commit mode), so the event would commit apart "
            + "from your change. Publish inside dsl.transaction(cfg -> outbox.publish(DSL.using(cfg), event)) and "
            + "make your own writes through the same DSL.using(cfg)." + SPRING_ADVICE;

    private static final String AUTO_COMMIT_CONNECTION = "Outbox.publish needs the caller's transaction, but this "
            + "connection is in auto-commit mode, so the event would commit apart from your change. Call "
            + "connection.setAutoCommit(false), make your writes and publish on that connection, then "
            + "connection.commit() (or rollback())." + SPRING_ADVICE;

    private final OutboxConfig config;
    private final String insertSql;
    private final String deleteSql;

    DefaultOutbox(OutboxConfig config) {
        this.config = Objects.requireNonNull(config, "config must not be null");
        // unnest() turns six arrays into rows: one statement and one round trip for any number of events.
        this.insertSql = """
                INSERT INTO %s (id, aggregatetype, aggregateid, type, payload, headers)
                SELECT id, aggregatetype, aggregateid, type, payload::jsonb, headers::jsonb
                FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                     WITH ORDINALITY AS e(id, aggregatetype, aggregateid, type, payload, headers, n)
                ORDER BY n
                """.formatted(config.table());
        this.deleteSql = "DELETE FROM %s WHERE id = ANY(?::uuid[])".formatted(config.table());
    }

    /**
     * Writes JSON spaced the way PostgreSQL prints jsonb ({@code {"a": 1, "b": [1, 2]}}), which is what the relay
     * sends: the size checked against {@code maxPayloadBytes} is then the size of the Kafka record's value, not of a
     * compact text that grows by a space per separator on its way out.
     */
    private static final MinimalPrettyPrinter JSONB_SPACING = new MinimalPrettyPrinter() {
        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(", ");
        }
    };

    private record Row(UUID id, String aggregateType, String aggregateId, String type, String payload, String headers) {
    }

    @Override
    public OutboxConfig config() {
        return config;
    }

    @Override
    public UUID publish(DSLContext tx, OutboxEvent event) {
        return publish(tx, event, Map.of());
    }

    @Override
    public UUID publish(DSLContext tx, OutboxEvent event, Map<String, String> headers) {
        return publishAll(tx, singleton(event), headers).getFirst();
    }

    @Override
    public UUID publish(Connection tx, OutboxEvent event) {
        return publish(tx, event, Map.of());
    }

    @Override
    public UUID publish(Connection tx, OutboxEvent event, Map<String, String> headers) {
        return publishAll(tx, singleton(event), headers).getFirst();
    }

    @Override
    public List<UUID> publishAll(DSLContext tx, List<? extends OutboxEvent> events) {
        return publishAll(tx, events, Map.of());
    }

    @Override
    public List<UUID> publishAll(DSLContext tx, List<? extends OutboxEvent> events, Map<String, String> headers) {
        Objects.requireNonNull(tx, "tx must not be null");
        List<Row> rows = prepare(events, headers);
        // connectionResult hands over the connection of tx's transaction: the insert joins it. Outside a
        // transaction it is a fresh connection in auto-commit mode, which is refused.
        return tx.connectionResult(connection -> {
            requireTransaction(connection, OUTSIDE_TRANSACTION_DSL);
            return write(connection, rows);
        });
    }

    @Override
    public List<UUID> publishAll(Connection tx, List<? extends OutboxEvent> events) {
        return publishAll(tx, events, Map.of());
    }

    @Override
    public List<UUID> publishAll(Connection tx, List<? extends OutboxEvent> events, Map<String, String> headers) {
        Objects.requireNonNull(tx, "tx must not be null");
        List<Row> rows = prepare(events, headers);
        try {
            requireTransaction(tx, AUTO_COMMIT_CONNECTION);
            return write(tx, rows);
        } catch (SQLException e) {
            throw new DataAccessException("Could not insert " + rows.size() + " event(s) into " + config.table(), e);
        }
    }

    /**
     * An event published in auto-commit mode commits on its own, before or without the business change it
     * describes: exactly the dual write the outbox exists to prevent. There is no opt-out: an event without a
     * business change is still one line away from a transaction ({@code dsl.transaction(...)}).
     */
    private static void requireTransaction(Connection connection, String advice) throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException(advice);
        }
    }

    private static List<OutboxEvent> singleton(OutboxEvent event) {
        List<OutboxEvent> list = new ArrayList<>(1);
        list.add(event);
        return list;
    }

    private List<Row> prepare(List<? extends OutboxEvent> events, Map<String, String> headers) {
        if (events == null) {
            throw new OutboxValidationException("event", "the list of events must not be null");
        }
        if (headers == null) {
            throw new OutboxValidationException("headers", "must not be null (pass Map.of())");
        }
        headers.forEach((k, v) -> {
            if (k == null || k.isBlank() || v == null) {
                throw new OutboxValidationException("headers", "keys must not be blank and values not null: " + k);
            }
        });
        Map<String, String> common = commonHeaders();
        List<Row> rows = new ArrayList<>(events.size());
        for (OutboxEvent event : events) {
            rows.add(prepare(event, common, headers));
        }
        return rows;
    }

    private Row prepare(OutboxEvent event, Map<String, String> common, Map<String, String> explicit) {
        if (event == null) {
            throw new OutboxValidationException("event", "must not be null");
        }
        String aggregateType = requireText("aggregateType", event.aggregateType(), event);
        String aggregateId = requireText("aggregateId", event.aggregateId(), event);
        String type = requireText("eventType", event.eventType(), event);
        String payload;
        try {
            payload = config.objectMapper().writer(JSONB_SPACING).writeValueAsString(event);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new OutboxValidationException("payload",
                    "Jackson cannot write " + event.getClass().getName() + " (" + type + "): " + e.getMessage(), e);
        }
        int size = payload.getBytes(StandardCharsets.UTF_8).length;
        if (size > config.maxPayloadBytes()) {
            throw new OutboxValidationException("payload", "event " + type + " is " + size
                    + " bytes of JSON, over maxPayloadBytes=" + config.maxPayloadBytes()
                    + "; publish a reference to the data instead of the data");
        }
        UUID id = UuidV7.next();
        Map<String, String> rowHeaders = new LinkedHashMap<>(common);
        rowHeaders.putAll(explicit);
        rowHeaders.putIfAbsent(OutboxHeaders.CORRELATION_ID, id.toString());
        return new Row(id, aggregateType, aggregateId, type, payload, toJson(rowHeaders));
    }

    private static String requireText(String field, String value, OutboxEvent event) {
        if (value == null || value.isBlank()) {
            throw new OutboxValidationException(field, "must not be blank in " + event.getClass().getName());
        }
        return value;
    }

    /** Headers every event of this call inherits: the consumed event's saga and correlation, and the trace. */
    private static Map<String, String> commonHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        ConsumedScope.Inherited consumed = ConsumedScope.current();
        if (consumed != null) {
            copy(consumed.headers(), headers, OutboxHeaders.SAGA_ID);
            copy(consumed.headers(), headers, OutboxHeaders.CORRELATION_ID);
            headers.put(OutboxHeaders.CAUSATION_ID, consumed.eventId().toString());
            if (!Tracing.enabled()) {
                // Without OpenTelemetry there is no current context to read: pass the consumed one through.
                copy(consumed.headers(), headers, OutboxHeaders.TRACEPARENT);
                copy(consumed.headers(), headers, OutboxHeaders.TRACESTATE);
            }
        }
        Tracing.capture(headers);
        return headers;
    }

    private static void copy(Map<String, String> from, Map<String, String> to, String key) {
        String value = from.get(key);
        if (value != null && !value.isBlank()) {
            to.put(key, value);
        }
    }

    private String toJson(Map<String, String> headers) {
        ObjectNode node = config.objectMapper().createObjectNode();
        headers.forEach(node::put);
        return node.toString();
    }

    @Override
    public UUID publishWith(DSLContext tx, OutboxEvent event, Map<String, String> headers, String followUp,
                            Object... followUpBindings) {
        Objects.requireNonNull(tx, "tx must not be null");
        List<Row> rows = prepare(singleton(event), headers);
        String sql = "WITH published AS (" + insertSql + "RETURNING id, type\n) " + followUp;
        return tx.connectionResult(connection -> {
            requireTransaction(connection, OUTSIDE_TRANSACTION_DSL);
            return write(connection, rows, sql, followUpBindings).getFirst();
        });
    }

    private List<UUID> write(Connection connection, List<Row> rows) throws SQLException {
        return rows.isEmpty() ? List.of() : write(connection, rows, insertSql);
    }

    /** Runs {@code sql}, whose first six parameters are the rows' columns as arrays, then the extra bindings. */
    private List<UUID> write(Connection connection, List<Row> rows, String sql, Object... extraBindings)
            throws SQLException {
        int n = rows.size();
        UUID[] ids = new UUID[n];
        String[] types = new String[n];
        String[] aggregateIds = new String[n];
        String[] eventTypes = new String[n];
        String[] payloads = new String[n];
        String[] headers = new String[n];
        for (int i = 0; i < n; i++) {
            Row row = rows.get(i);
            ids[i] = row.id();
            types[i] = row.aggregateType();
            aggregateIds[i] = row.aggregateId();
            eventTypes[i] = row.type();
            payloads[i] = row.payload();
            headers[i] = row.headers();
        }
        Array idArray = connection.createArrayOf("uuid", ids);
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setArray(1, idArray);
            insert.setArray(2, connection.createArrayOf("text", types));
            insert.setArray(3, connection.createArrayOf("text", aggregateIds));
            insert.setArray(4, connection.createArrayOf("text", eventTypes));
            insert.setArray(5, connection.createArrayOf("text", payloads));
            insert.setArray(6, connection.createArrayOf("text", headers));
            for (int i = 0; i < extraBindings.length; i++) {
                insert.setObject(7 + i, extraBindings[i]);
            }
            insert.executeUpdate();
        }
        if (config.deleteAfterInsert()) {
            try (PreparedStatement delete = connection.prepareStatement(deleteSql)) {
                delete.setArray(1, idArray);
                delete.executeUpdate();
            }
        }
        return List.of(ids);
    }
}
