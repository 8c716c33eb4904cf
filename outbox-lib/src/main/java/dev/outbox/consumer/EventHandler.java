package dev.outbox.consumer;

import org.jooq.DSLContext;

/**
 * Applies one consumed event. Runs inside the record's database transaction: {@code tx} is bound to it, the inbox
 * row is already written, and everything the handler writes (including events published through
 * {@link dev.outbox.Outbox}, which inherit saga/correlation/causation headers) commits or rolls back together. Do
 * not commit or roll back {@code tx} yourself; throw to roll back. For JDBC, use
 * {@code tx.connectionResult(connection -> ...)}.
 *
 * <p>Throw {@link NonRetriableException} when retrying cannot help (the record goes to the dead-letter topic at
 * once); any other exception is retried with backoff.
 */
@FunctionalInterface
public interface EventHandler<E> {

    void handle(DSLContext tx, E event, ConsumedEvent context) throws Exception;
}
