package dev.outbox.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class HaReportTest {

    private static final HaCase TAKEOVERS = new HaCase("debezium", "exactly-once", List.of(1_200L, 900L, 4_000L),
            List.of(800L, 700L, 3_000L), List.of(0L, 0L, 0L), 12_345, 0, null);

    @Test
    void aRowGivesMedianAndMaxOfBothTimesAndTheDuplicatesMaxAndTotal() {
        HaCase atLeastOnce = new HaCase("pgoutput", "at-least-once", List.of(1_000L, 3_000L), List.of(500L, 700L),
                List.of(4L, 1L), 2_000, 0, null);
        assertThat(HaReport.row(atLeastOnce))
                .isEqualTo("| pgoutput | at-least-once | 2 | 2,000 / 3,000 | 600 / 700 | 2,000 | 0 | 4 / 5 |");
        assertThat(HaReport.row(TAKEOVERS))
                .isEqualTo("| debezium | exactly-once | 3 | 1,200 / 4,000 | 800 / 3,000 | 12,345 | 0 | 0 / 0 |");
    }

    @Test
    void aCaseThatFailedBeforeItsFirstEventShowsDashesAndItsReasonUnderFailures() {
        HaCase failed = HaCase.failed("debezium", "at-least-once", "java.lang.IllegalStateException: the relay ready "
                + "did not happen\nwithin 120 s; see relay.log");
        String report = HaReport.render("Run now.", 5, 2, List.of(TAKEOVERS), List.of(failed));

        assertThat(report).contains("| debezium | exactly-once | 3 | 1,200 / 4,000 |")
                .contains("| debezium | at-least-once | 0 | - | - | 0 | 0 | - |")
                .contains("## Failures\n\n- failover debezium at-least-once: java.lang.IllegalStateException: the "
                        + "relay ready did not happen within 120 s; see relay.log\n");
    }

    @Test
    void aRunWithoutFailuresHasNoFailureSection() {
        assertThat(HaReport.render("Run now.", 5, 2, List.of(TAKEOVERS), List.of())).doesNotContain("Failures");
    }

    @Test
    void aCaseIsSoundOnlyWhenItFinishedLostNothingAndExactlyOnceRepeatedNothing() {
        assertThat(TAKEOVERS.sound()).isTrue();
        assertThat(new HaCase("pgoutput", "at-least-once", List.of(1L), List.of(1L), List.of(3L), 10, 0, null)
                .sound()).as("at-least-once may repeat").isTrue();
        assertThat(new HaCase("pgoutput", "exactly-once", List.of(1L), List.of(1L), List.of(1L), 10, 0, null)
                .sound()).as("exactly-once repeated a row").isFalse();
        assertThat(new HaCase("pgoutput", "at-least-once", List.of(1L), List.of(1L), List.of(0L), 10, 1, null)
                .sound()).as("a row lost").isFalse();
        assertThat(HaCase.failed("debezium", "at-least-once", "timed out").sound()).isFalse();
    }
}
