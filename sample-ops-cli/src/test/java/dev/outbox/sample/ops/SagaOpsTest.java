package dev.outbox.sample.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class SagaOpsTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return SagaOps.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("status", "stuck", "retry", "compensate", "dead-letters", "replay",
                "gauges");
    }

    @Test
    void adminCommandWithoutATokenFailsNamingTheVariableBeforeAnyCall() {
        assertThat(run("--url", "http://127.0.0.1:9", "--token", "", "stuck")).isEqualTo(1);
        assertThat(err.toString()).contains("SAGA_OPS_TOKEN");
    }

    @Test
    void malformedSagaIdIsAUsageError() {
        assertThat(run("retry", "not-a-uuid")).isEqualTo(2);
        assertThat(err.toString()).contains("SAGA_ID");
    }

    @Test
    void replayNeedsTopicPartitionAndOffset() {
        assertThat(run("replay", "--topic", "outbox.dlq")).isEqualTo(2);
        assertThat(err.toString()).contains("--partition").contains("--offset");
    }
}
