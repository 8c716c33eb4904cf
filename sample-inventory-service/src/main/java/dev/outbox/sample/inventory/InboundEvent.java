package dev.outbox.sample.inventory;

import java.util.Map;
import java.util.UUID;

/** One Kafka record as the handlers see it: the event id and type from the relay's headers, where it was read. */
record InboundEvent(UUID eventId, String type, String topic, int partition, long offset, String key, String payload,
        Map<String, String> headers) {

    <T> T payloadAs(Class<T> type) throws java.io.IOException {
        return Json.EVENTS.readValue(payload, type);
    }
}
