package dev.outbox.internal;

import dev.outbox.OutboxEvent;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * Lets the library's saga log write an event and its own rows about it in one statement, one round trip instead of
 * two. Implemented by the library's outbox. Internal: not part of the API.
 */
public interface PublishWithFollowUp {

    /**
     * Inserts {@code event} as {@link dev.outbox.Outbox#publish(DSLContext, OutboxEvent, Map)} does, with the insert
     * as a common table expression {@code published(id, type)} of one statement whose rest is {@code followUp}: a
     * data-modifying statement reading {@code published}, optionally preceded by more expressions
     * ({@code , name AS (...)}). {@code followUpBindings} fill its parameters, after the insert's own.
     *
     * @return the new event id
     */
    UUID publishWith(DSLContext tx, OutboxEvent event, Map<String, String> headers, String followUp,
                     Object... followUpBindings);
}
