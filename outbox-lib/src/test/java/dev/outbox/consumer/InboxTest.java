package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class InboxTest {

    @Test
    void eventIdIsReadFromTheIdHeaderFirstThenFromCeId() {
        UUID id = UUID.randomUUID();
        UUID ceId = UUID.randomUUID();
        RecordHeaders both = new RecordHeaders();
        both.add("ce_id", bytes(ceId.toString()));
        both.add("id", bytes(" " + id + " "));
        RecordHeaders cloudEventsOnly = new RecordHeaders();
        cloudEventsOnly.add("ce_id", bytes(ceId.toString()));

        assertThat(Inbox.eventId(both)).contains(id);
        assertThat(Inbox.eventId(cloudEventsOnly)).contains(ceId);
    }

    @Test
    void eventIdIsEmptyWithoutAnIdHeaderOrWhenItIsNotAUuid() {
        RecordHeaders notAUuid = new RecordHeaders();
        notAUuid.add("id", bytes("order-42"));

        assertThat(Inbox.eventId(new RecordHeaders())).isEmpty();
        assertThat(Inbox.eventId(notAUuid)).isEmpty();
        assertThat(Inbox.eventId(null)).isEmpty();
    }

    @Test
    void firstDeliveryRejectsABlankGroupOrAMissingIdBeforeTouchingTheConnection() {
        assertThatThrownBy(() -> Inbox.firstDelivery(null, " ", UUID.randomUUID()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consumerGroup");
        assertThatThrownBy(() -> Inbox.firstDelivery(null, "g", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eventId");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
