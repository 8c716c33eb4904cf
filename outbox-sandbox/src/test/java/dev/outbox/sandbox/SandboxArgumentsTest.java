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
        assertThat(arguments.orders()).isEqualTo(1000);
        assertThat(arguments.exitAfterSummary()).isFalse();
        assertThat(arguments.durable()).isFalse();
        assertThat(arguments.disruption()).isTrue();
        assertThat(arguments.summaryJson()).isEmpty();
    }

    @Test
    void benchmarkFlagsAreRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory) {
        java.nio.file.Path file = directory.resolve("summary.json");
        SandboxArguments arguments = SandboxArguments.parse("--durable", "--no-disruption", "--summary-json",
                file.toString());

        assertThat(arguments.durable()).isTrue();
        assertThat(arguments.disruption()).isFalse();
        assertThat(arguments.summaryJson()).contains(file);
    }

    @Test
    void summaryJsonNeedsAFileInAnExistingDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path directory) {
        assertThatThrownBy(() -> SandboxArguments.parse("--summary-json"))
                .hasMessage("--summary-json needs a value");
        assertThatThrownBy(() -> SandboxArguments.parse("--summary-json", "--exit"))
                .hasMessage("--summary-json needs a file name, was '--exit'");
        assertThatThrownBy(() -> SandboxArguments.parse("--summary-json", directory.toString()))
                .hasMessage("--summary-json must name a file, " + directory + " is a directory");
        java.nio.file.Path missing = directory.resolve("no-such-dir").resolve("s.json");
        assertThatThrownBy(() -> SandboxArguments.parse("--summary-json", missing.toString()))
                .hasMessage("--summary-json: directory " + missing.getParent() + " does not exist");
    }

    @Test
    void demoFlagsAreRead() {
        SandboxArguments arguments = SandboxArguments.parse("--orders", "500", "--rate", "50", "--concurrency", "8",
                "--deadline-ms", "1500", "--duplicates", "0.1", "--seed", "7", "--exit", "--warmup-orders", "300");

        assertThat(arguments.orders()).isEqualTo(500);
        assertThat(arguments.rate()).isEqualTo(50);
        assertThat(arguments.concurrency()).isEqualTo(8);
        assertThat(arguments.deadline().toMillis()).isEqualTo(1500);
        assertThat(arguments.duplicateRatio()).isEqualTo(0.1);
        assertThat(arguments.seed()).isEqualTo(7);
        assertThat(arguments.exitAfterSummary()).isTrue();
        assertThat(arguments.warmupOrders()).isEqualTo(300);
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
                .hasMessage("--pg-port must be a whole number, was 'abc'");
        assertThatThrownBy(() -> SandboxArguments.parse("--pg-port", "70000"))
                .hasMessage("--pg-port must be a port number 0..65535, was '70000'");
        assertThatThrownBy(() -> SandboxArguments.parse("--rate", "0"))
                .hasMessage("--rate must be at least 1, was 0");
        assertThatThrownBy(() -> SandboxArguments.parse("--duplicates", "1.5"))
                .hasMessage("--duplicates must be between 0 and 1, was 1.5");
        assertThatThrownBy(() -> SandboxArguments.parse("--kafka-port"))
                .hasMessage("--kafka-port needs a value");
        assertThatThrownBy(() -> SandboxArguments.parse("--bogus"))
                .hasMessage("unknown argument '--bogus'");
        assertThatThrownBy(() -> SandboxArguments.parse("--orders", "100", "--kill-inventory-after", "101"))
                .hasMessage("--kill-inventory-after must be at most --orders (100), was 101");
    }

    @Test
    void theInventoryServiceIsKilledOnlyWhenAsked() {
        assertThat(SandboxArguments.parse().killInventoryAfter()).isZero();
        assertThat(SandboxArguments.parse("--kill-inventory-after", "80").killInventoryAfter()).isEqualTo(80);
    }

    @Test
    void postgresSettingsAreReadInOrderAndABadOneNamesTheFlag() {
        assertThat(SandboxArguments.parse().postgresSettings()).isEmpty();
        assertThat(SandboxArguments.parse("--pg-setting", "shared_preload_libraries=pg_stat_statements",
                "--pg-setting", "track_io_timing = on").postgresSettings())
                .containsEntry("shared_preload_libraries", "pg_stat_statements")
                .containsEntry("track_io_timing", "on")
                .hasSize(2);
        assertThatThrownBy(() -> SandboxArguments.parse("--pg-setting", "=on"))
                .hasMessage("--pg-setting must be NAME=VALUE, was '=on'");
    }
}
