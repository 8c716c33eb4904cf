package dev.outbox.relay.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class PositionRecordTest {

    private static final SourceIdentity SOURCE = new SourceIdentity("7321456789012345678", 3, "orders", "order_relay");

    @Test
    void recordWithItsSourceReadsBackEqual() {
        PositionRecord record = new PositionRecord(SOURCE, 123_456_789L, Instant.parse("2026-12-03T12:00:00Z"));

        assertThat(PositionRecord.parse(record.format())).isEqualTo(record);
        assertThat(record.format()).contains("\"system_identifier\":\"7321456789012345678\"", "\"timeline\":3",
                "\"database\":\"orders\"", "\"slot\":\"order_relay\"", "\"position\":123456789");
    }

    @Test
    void oldFormatBareDecimalPositionReadsAsPositionWithoutSource() {
        PositionRecord record = PositionRecord.parse("24876512");

        assertThat(record.identity()).isNull();
        assertThat(record.position()).isEqualTo(24_876_512L);
        assertThat(record.seenAt()).isNull();
    }

    @Test
    void databaseNameWithQuotesSurvivesTheRoundTrip() {
        PositionRecord record = new PositionRecord(new SourceIdentity("1", 1, "we\"ird db", "s"), 0, null);

        assertThat(PositionRecord.parse(record.format())).isEqualTo(record);
    }

    @Test
    void anythingElseIsRefusedNamingTheValue() {
        assertThatThrownBy(() -> PositionRecord.parse("not-a-position"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'not-a-position'");
    }
}
