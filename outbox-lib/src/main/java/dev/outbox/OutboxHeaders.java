package dev.outbox;

import java.util.Map;
import java.util.UUID;

/**
 * Names of the outbox {@code headers} entries (each becomes a Kafka header) and of the Kafka headers the relay adds.
 */
public final class OutboxHeaders {

    /** The saga this event belongs to; inherited from the consumed event inside a handler. */
    public static final String SAGA_ID = "saga_id";
    /** Ties every event of one business flow together; inherited inside a handler, else the event's own id. */
    public static final String CORRELATION_ID = "correlation_id";
    /** The id of the event whose handler published this one; set automatically inside a handler. */
    public static final String CAUSATION_ID = "causation_id";
    /** W3C trace context, captured when OpenTelemetry is on the classpath. */
    public static final String TRACEPARENT = "traceparent";
    /** W3C trace state, captured with {@link #TRACEPARENT}. */
    public static final String TRACESTATE = "tracestate";

    /** Kafka header the relay sets to the event id (the outbox {@code id} column). */
    public static final String KAFKA_ID = "id";
    /** Kafka header (CloudEvents binary mode) the relay sets to the outbox {@code type} column. */
    public static final String KAFKA_CE_TYPE = "ce_type";
    /** CloudEvents id header, read when {@link #KAFKA_ID} is missing. */
    public static final String KAFKA_CE_ID = "ce_id";

    private OutboxHeaders() {
    }

    /** Headers that put a new event (usually the first of a saga) into saga {@code sagaId}. */
    public static Map<String, String> saga(UUID sagaId) {
        return Map.of(SAGA_ID, sagaId.toString());
    }
}
