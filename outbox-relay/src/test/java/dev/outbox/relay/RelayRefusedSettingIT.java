package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings the relay refuses end the process with exit code 2 before it connects to anything. */
class RelayRefusedSettingIT {

    /** Nothing listens on these: a relay that got past its settings would exit 1 (cannot connect), not 2. */
    private static Map<String, String> unreachable() {
        Map<String, String> environment = new HashMap<>();
        environment.put("OUTBOX_DB_URL", "jdbc:postgresql://127.0.0.1:1/nowhere");
        environment.put("OUTBOX_DB_USER", "relay");
        environment.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1");
        environment.put("OUTBOX_RELAY_NAME", "refused");
        environment.put("OUTBOX_HTTP_PORT", "0");
        return environment;
    }

    private static String exitsWith(int code, Map<String, String> environment) throws Exception {
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            assertThat(relay.awaitExit(60)).as("exit code; output:%n%s", relay.output()).isEqualTo(code);
            return relay.output();
        }
    }

    @Test
    void aRefusedKafkaSettingExitsTwoNamingTheKeyAndWhy() throws Exception {
        Map<String, String> environment = unreachable();
        environment.put("OUTBOX_KAFKA_ACKS", "0");

        assertThat(exitsWith(2, environment)).contains("configuration error: OUTBOX_KAFKA_ACKS is refused: must be "
                + "all (or -1)");
    }

    @Test
    void exactlyOnceWithoutARelayNameExitsTwo() throws Exception {
        Map<String, String> environment = unreachable();
        environment.remove("OUTBOX_RELAY_NAME");
        environment.put("OUTBOX_DELIVERY", "exactly-once");

        assertThat(exitsWith(2, environment)).contains("OUTBOX_RELAY_NAME must be set explicitly with "
                + "OUTBOX_DELIVERY=exactly-once");
    }

    @Test
    void kubernetesServiceLinksGetPastTheSettings() throws Exception {
        Map<String, String> environment = unreachable();
        environment.put("OUTBOX_RELAY_SERVICE_HOST", "10.0.0.1");
        environment.put("OUTBOX_RELAY_SERVICE_PORT", "8090");
        environment.put("OUTBOX_RELAY_PORT", "tcp://10.0.0.1:8090");
        environment.put("OUTBOX_RELAY_PORT_8090_TCP", "tcp://10.0.0.1:8090");
        environment.put("OUTBOX_RELAY_PORT_8090_TCP_PROTO", "tcp");
        environment.put("OUTBOX_RELAY_PORT_8090_TCP_PORT", "8090");
        environment.put("OUTBOX_RELAY_PORT_8090_TCP_ADDR", "10.0.0.1");

        assertThat(exitsWith(1, environment)).contains("cannot connect to PostgreSQL")
                .doesNotContain("is not a setting");
    }

    @Test
    void aTypoStillExitsTwo() throws Exception {
        Map<String, String> environment = unreachable();
        environment.put("OUTBOX_RELAY_SERVICE_HOST", "10.0.0.1");
        environment.put("OUTBOX_DB_URLL", "jdbc:postgresql://127.0.0.1:1/nowhere");

        assertThat(exitsWith(2, environment)).contains("OUTBOX_DB_URLL is not a setting of the relay");
    }
}
