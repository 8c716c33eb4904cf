package dev.outbox.sample.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InventoryOpsConfigTest {

    @Test
    void defaultsNeedNoVariable() {
        InventoryOpsConfig ops = InventoryOpsConfig.defaults();
        assertThat(ops.reservationTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(ops.timeoutScanInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(ops.maxAttempts()).isEqualTo(10);
        assertThat(ops.consumerMaxAttempts()).isEqualTo(10);
        assertThat(ops.relayDlqTopic()).isEqualTo("outbox.dlq");
    }

    @Test
    void invalidValuesNameTheirVariable() {
        assertThatThrownBy(() -> InventoryOpsConfig.fromEnv(Map.of("INVENTORY_RESERVATION_TTL", "0s")))
                .hasMessageContaining("INVENTORY_RESERVATION_TTL");
        assertThatThrownBy(() -> InventoryOpsConfig.fromEnv(Map.of("INVENTORY_RELAY_DLQ_TOPIC", "bad topic")))
                .hasMessageContaining("INVENTORY_RELAY_DLQ_TOPIC");
        assertThatThrownBy(() -> InventoryOpsConfig.fromEnv(Map.of("INVENTORY_CONSUMER_MAX_ATTEMPTS", "x")))
                .hasMessageContaining("INVENTORY_CONSUMER_MAX_ATTEMPTS");
    }
}
