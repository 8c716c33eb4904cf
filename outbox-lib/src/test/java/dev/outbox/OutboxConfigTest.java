package dev.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboxConfigTest {

    @Test
    void defaultsKeepRowsUnderKafkasRecordLimit() {
        OutboxConfig config = OutboxConfig.defaults();
        assertThat(config.maxPayloadBytes()).isEqualTo(900_000).isLessThan(1024 * 1024);
        assertThat(config.deleteAfterInsert()).isFalse();
        assertThat(config.table()).isEqualTo("outbox");
    }

    @Test
    void invalidSettingsFailNamingTheSetting() {
        assertThatThrownBy(() -> OutboxConfig.defaults().withMaxPayloadBytes(0)).hasMessageContaining("maxPayloadBytes");
        assertThatThrownBy(() -> OutboxConfig.defaults().withTable("outbox; drop table x")).hasMessageContaining("table");
        assertThatThrownBy(() -> OutboxConfig.defaults().withObjectMapper(null)).hasMessageContaining("objectMapper");
        assertThat(OutboxConfig.defaults().withTable("app.outbox").table()).isEqualTo("app.outbox");
    }

    @Test
    void defaultMapperWritesInstantsAsIsoTextAndIgnoresUnknownPropertiesOnRead() throws Exception {
        record Stamp(Instant at) {
        }
        var mapper = OutboxConfig.defaultObjectMapper();
        assertThat(mapper.writeValueAsString(new Stamp(Instant.parse("2026-01-02T03:04:05Z"))))
                .isEqualTo("{\"at\":\"2026-01-02T03:04:05Z\"}");
        assertThat(mapper.readValue("{\"at\":\"2026-01-02T03:04:05Z\",\"added\":1}", Stamp.class).at())
                .isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
    }

    @Test
    void sagaHeadersNameTheSaga() {
        var sagaId = java.util.UUID.randomUUID();
        assertThat(OutboxHeaders.saga(sagaId)).isEqualTo(Map.of("saga_id", sagaId.toString()));
    }
}
