package dev.outbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SandboxArgumentsTest {

    @Test
    void noArgumentsRunsTheDemoOnFreePorts() {
        SandboxArguments arguments = SandboxArguments.parse();

        assertThat(arguments.command()).isEqualTo(SandboxArguments.Command.DEMO);
        assertThat(arguments.postgresPort()).isZero();
        assertThat(arguments.kafkaPort()).isZero();
    }

    @Test
    void infraTakesFixedPorts() {
        SandboxArguments arguments = SandboxArguments.parse("infra", "--pg-port", "15432", "--kafka-port", "19092");

        assertThat(arguments.command()).isEqualTo(SandboxArguments.Command.INFRA);
        assertThat(arguments.postgresPort()).isEqualTo(15432);
        assertThat(arguments.kafkaPort()).isEqualTo(19092);
    }

    @Test
    void badInputNamesTheFlag() {
        assertThatThrownBy(() -> SandboxArguments.parse("--pg-port", "abc"))
                .hasMessage("--pg-port must be a port number 0..65535, was 'abc'");
        assertThatThrownBy(() -> SandboxArguments.parse("--kafka-port"))
                .hasMessage("--kafka-port needs a value");
        assertThatThrownBy(() -> SandboxArguments.parse("--orders"))
                .hasMessage("unknown argument '--orders'");
    }
}
