package dev.outbox.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PayloadsTest {

    @Test
    void readsTimesFromPostgresCanonicalJsonb() {
        byte[] value = Payloads.json(123, 456, 3).getBytes(StandardCharsets.UTF_8);
        assertThat(Payloads.field(value, 's')).isEqualTo(123);
        assertThat(Payloads.field(value, 't')).isEqualTo(456);
    }

    @Test
    void readsTimesFromAJsonConverterEnvelopeThatEscapedThePayloadIntoAString() {
        String envelope = "{\"schema\":{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Json\"},"
                + "\"payload\":\"{\\\"s\\\": 17, \\\"t\\\": 42, \\\"pad\\\": \\\"xx\\\"}\"}";
        byte[] value = envelope.getBytes(StandardCharsets.UTF_8);
        assertThat(Payloads.field(value, 's')).isEqualTo(17);
        assertThat(Payloads.field(value, 't')).isEqualTo(42);
    }

    @Test
    void anAbsentFieldIsMinusOne() {
        assertThat(Payloads.field("{\"type\": \"x\"}".getBytes(StandardCharsets.UTF_8), 't')).isEqualTo(-1);
    }

    @Test
    void paddingMakesThePrintedPayloadTheRequestedSize() {
        long now = 1_763_935_200_000_000L;
        assertThat(Payloads.json(now, now, Payloads.padFor(256))).hasSize(256);
        assertThat(Payloads.json(now, now, Payloads.padFor(1024))).hasSize(1024);
    }
}
