package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class InboxTest {

    private static RecordHeaders headers(String... keyValues) {
        RecordHeaders headers = new RecordHeaders();
        for (int i = 0; i < keyValues.length; i += 2) {
            headers.add(keyValues[i], keyValues[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return headers;
    }

    @Test
    void theEventIdIsTheIdHeaderOrElseTheCloudEventsId() {
        UUID id = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        assertThat(Inbox.eventId(headers("id", id.toString(), "ce_id", other.toString()))).contains(id);
        assertThat(Inbox.eventId(headers("ce_id", other.toString()))).contains(other);
        assertThat(Inbox.eventId(headers("id", " " + id + " "))).contains(id);
    }

    @Test
    void aMissingOrMalformedIdIsEmpty() {
        assertThat(Inbox.eventId(headers())).isEmpty();
        assertThat(Inbox.eventId(headers("id", "not-a-uuid"))).isEmpty();
        assertThat(Inbox.eventId(headers("id", " "))).isEmpty();
        assertThat(Inbox.eventId(null)).isEmpty();
    }
}
