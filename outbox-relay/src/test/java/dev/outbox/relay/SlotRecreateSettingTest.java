package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.relay.state.SlotRecreate;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code OUTBOX_SLOT_RECREATE} (issue 15): never by default, accept-gap only when set, anything else refused. */
class SlotRecreateSettingTest {

    private static Map<String, String> required() {
        Map<String, String> values = new HashMap<>();
        values.put("OUTBOX_DB_URL", "jdbc:postgresql://db:5432/orders");
        values.put("OUTBOX_DB_USER", "relay");
        values.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");
        return values;
    }

    @Test
    void aLostSlotIsNeverRecreatedByDefault() {
        assertThat(RelayConfig.from(required()).slotRecreate()).isEqualTo(SlotRecreate.NEVER);
    }

    @Test
    void acceptGapIsReadAndShownInTheStartLine() {
        Map<String, String> values = required();
        values.put("OUTBOX_SLOT_RECREATE", "accept-gap");

        RelayConfig config = RelayConfig.from(values);

        assertThat(config.slotRecreate()).isEqualTo(SlotRecreate.ACCEPT_GAP);
        assertThat(config.toString()).contains("slot recreate=accept-gap");
    }

    @Test
    void anyOtherValueIsRefusedNamingTheSetting() {
        Map<String, String> values = required();
        values.put("OUTBOX_SLOT_RECREATE", "always");

        assertThatThrownBy(() -> RelayConfig.from(values)).isInstanceOf(RelayConfigException.class)
                .hasMessageContaining("OUTBOX_SLOT_RECREATE").hasMessageContaining("never or accept-gap");
    }
}
