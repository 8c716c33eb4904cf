package dev.outbox.saga;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StepEscalationTest {

    @Test
    void backoffDoublesPerAttemptUpToTheMaximum() {
        StepEscalation escalation = new StepEscalation(10, Duration.ofSeconds(1), Duration.ofSeconds(30));

        assertThat(escalation.backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(escalation.backoff(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(escalation.backoff(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(escalation.backoff(6)).isEqualTo(Duration.ofSeconds(30));
        assertThat(escalation.backoff(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void zeroBackoffStaysZero() {
        assertThat(new StepEscalation(3, Duration.ZERO, Duration.ZERO).backoff(5)).isEqualTo(Duration.ZERO);
    }
}
