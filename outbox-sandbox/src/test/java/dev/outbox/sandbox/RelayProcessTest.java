package dev.outbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RelayProcessTest {

    @Test
    void extraJvmOptionsAreSplitOnSpacesWithTheRelayNameFilledIn() {
        String options = " -XX:AOTCache=target/relay-{name}.aot  -Xlog:aot*=error ";

        assertThat(RelayProcess.extraJvmOptions(options, "order_relay"))
                .containsExactly("-XX:AOTCache=target/relay-order_relay.aot", "-Xlog:aot*=error");
    }

    @Test
    void noExtraJvmOptionsByDefault() {
        assertThat(RelayProcess.extraJvmOptions("", "order_relay")).isEmpty();
    }
}
