package dev.outbox;

import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Writes events into the outbox table in the caller's transaction, so that an event exists if and only if the
 * business change it describes committed. It never opens, commits or rolls back a transaction, and needs no
 * thread-local from the caller: pass the transaction's {@link DSLContext} or {@link Connection}.
 *
 * <pre>{@code
 * Outbox outbox = Outbox.create();
 * dsl.transaction(cfg -> {
 *     DSLContext tx = DSL.using(cfg);
 *     tx.execute("insert into orders(id, status) values (?, 'PENDING')", orderId);
 *     outbox.publish(tx, new OrderPlaced(orderId, lines));
 * });
 * }</pre>
 *
 * <p>Each event gets a time-ordered UUID (version 7) as id and the headers {@code correlation_id} and, inside a
 * {@code dev.outbox.consumer} handler, {@code saga_id}, {@code correlation_id} and {@code causation_id} inherited from
 * the consumed event; {@code traceparent}/{@code tracestate} are added when OpenTelemetry is on the classpath and a
 * span context is current. Headers passed explicitly win over inherited ones.
 *
 * <p>Publishing refuses to run outside a transaction: a {@link Connection} in auto-commit mode, or a
 * {@link DSLContext} not inside {@code dsl.transaction(...)} (whose connection is then in auto-commit mode), fails
 * with an {@link IllegalStateException} saying what to do, and nothing is written. Inside a Spring
 * {@code @Transactional} method, the connection Spring bound to the transaction qualifies (see
 * outbox-spring-boot-starter).
 *
 * <p>Instances are immutable and thread-safe; create one per service and share it.
 */
public interface Outbox {

    /** An outbox with {@link OutboxConfig#defaults()}. */
    static Outbox create() {
        return create(OutboxConfig.defaults());
    }

    /** An outbox with the given settings. */
    static Outbox create(OutboxConfig config) {
        return new DefaultOutbox(config);
    }

    /** The settings of this outbox. */
    OutboxConfig config();

    /**
     * Inserts one event in the transaction {@code tx} is bound to.
     *
     * @return the new event id (UUIDv7)
     * @throws OutboxValidationException invalid event; nothing was written
     * @throws IllegalStateException {@code tx} is outside a transaction (auto-commit); nothing was written
     */
    UUID publish(DSLContext tx, OutboxEvent event);

    /** As {@link #publish(DSLContext, OutboxEvent)} with extra headers (e.g. {@link OutboxHeaders#saga}). */
    UUID publish(DSLContext tx, OutboxEvent event, Map<String, String> headers);

    /** As {@link #publish(DSLContext, OutboxEvent)} on a JDBC connection whose transaction the caller owns. */
    UUID publish(Connection tx, OutboxEvent event);

    /** As {@link #publish(DSLContext, OutboxEvent, Map)} on a JDBC connection. */
    UUID publish(Connection tx, OutboxEvent event, Map<String, String> headers);

    /**
     * Inserts many events with one SQL statement, in list order (so their ids and relay order follow the list).
     * Every event is validated before anything is written.
     *
     * @return the new event ids, in list order
     */
    List<UUID> publishAll(DSLContext tx, List<? extends OutboxEvent> events);

    /** As {@link #publishAll(DSLContext, List)} with the same extra headers on every event. */
    List<UUID> publishAll(DSLContext tx, List<? extends OutboxEvent> events, Map<String, String> headers);

    /** As {@link #publishAll(DSLContext, List)} on a JDBC connection. */
    List<UUID> publishAll(Connection tx, List<? extends OutboxEvent> events);

    /** As {@link #publishAll(DSLContext, List, Map)} on a JDBC connection. */
    List<UUID> publishAll(Connection tx, List<? extends OutboxEvent> events, Map<String, String> headers);
}
