package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderOpsConfigTest {

    @Test
    void defaultsNeedNoVariable() {
        OrderOpsConfig ops = OrderOpsConfig.defaults();
        assertThat(ops.inventoryUrl()).isNull();
        assertThat(ops.confirmDeadline()).isEqualTo(Duration.ofSeconds(30));
        assertThat(ops.compensationDeadline()).isEqualTo(Duration.ofSeconds(30));
        assertThat(ops.maxAttempts()).isEqualTo(10);
        assertThat(ops.relayDlqTopic()).isEqualTo("outbox.dlq");
    }

    @Test
    void readsEveryVariable() {
        OrderOpsConfig ops = OrderOpsConfig.fromEnv(Map.of("ORDER_INVENTORY_URL", "http://inventory:8082",
                "ORDER_INVENTORY_ADMIN_TOKEN", "t", "ORDER_CONFIRM_STOCK_DEADLINE", "5s",
                "ORDER_COMPENSATION_DEADLINE", "2m", "ORDER_SAGA_MAX_ATTEMPTS", "3", "ORDER_RELAY_DLQ_TOPIC", "dlq.order"));
        assertThat(ops.inventoryUrl()).isEqualTo(URI.create("http://inventory:8082"));
        assertThat(ops.confirmDeadline()).isEqualTo(Duration.ofSeconds(5));
        assertThat(ops.compensationDeadline()).isEqualTo(Duration.ofMinutes(2));
        assertThat(ops.maxAttempts()).isEqualTo(3);
        assertThat(ops.relayDlqTopic()).isEqualTo("dlq.order");
        assertThat(ops.toString()).doesNotContain("inventoryAdminToken").doesNotContain("=t,");
    }

    @Test
    void invalidValuesNameTheirVariable() {
        assertThatThrownBy(() -> OrderOpsConfig.fromEnv(Map.of("ORDER_INVENTORY_URL", "ftp://x")))
                .hasMessageContaining("ORDER_INVENTORY_URL");
        assertThatThrownBy(() -> OrderOpsConfig.fromEnv(Map.of("ORDER_SAGA_MAX_ATTEMPTS", "0")))
                .hasMessageContaining("ORDER_SAGA_MAX_ATTEMPTS");
        assertThatThrownBy(() -> OrderOpsConfig.fromEnv(Map.of("ORDER_COMPENSATION_DEADLINE", "soon")))
                .hasMessageContaining("ORDER_COMPENSATION_DEADLINE");
    }
}
