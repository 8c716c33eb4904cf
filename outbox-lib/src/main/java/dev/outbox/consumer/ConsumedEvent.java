package dev.outbox.consumer;

import dev.outbox.OutboxHeaders;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Where and what a handler is processing: the event id ({@code id} header), its logical type ({@code ce_type}
 * header), its Kafka coordinates, key and every header as UTF-8 text. Enough to record it in {@code saga_event}
 * (see {@link dev.outbox.saga.SagaLog#recordConsumed}).
 *
 * @param eventId   the outbox event id; the inbox key
 * @param type      the logical event type
 * @param topic     the topic it was read from
 * @param partition its partition
 * @param offset    its offset
 * @param key       the record key (the aggregate id), or {@code null}
 * @param timestamp the record timestamp
 * @param headers   every header as text; for a repeated header the last value
 */
public record ConsumedEvent(UUID eventId, String type, String topic, int partition, long offset, String key,
                            Instant timestamp, Map<String, String> headers) {

    public ConsumedEvent {
        headers = Map.copyOf(headers);
    }

    /** A header value, or {@code null}. */
    public String header(String name) {
        return headers.get(name);
    }

    /** The {@code saga_id} header as a UUID, when present and well-formed. */
    public Optional<UUID> sagaId() {
        String value = headers.get(OutboxHeaders.SAGA_ID);
        if (value == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The {@code correlation_id} header, or {@code null}. */
    public String correlationId() {
        return headers.get(OutboxHeaders.CORRELATION_ID);
    }

    /** The {@code causation_id} header (id of the event that caused this one), or {@code null}. */
    public String causationId() {
        return headers.get(OutboxHeaders.CAUSATION_ID);
    }
}
