package dev.outbox.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static dev.outbox.saga.SagaStatus.COMPENSATED;
import static dev.outbox.saga.SagaStatus.COMPENSATING;
import static dev.outbox.saga.SagaStatus.FAILED;
import static dev.outbox.saga.SagaStatus.PENDING;
import static dev.outbox.saga.SagaStatus.SUCCEEDED;
import static dev.outbox.saga.SagaStatus.TIMED_OUT;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SagaStatusTest {

    @Test
    void outcomesOnlyFromPendingAndCompensationFromAnyOutcome() {
        assertThat(SUCCEEDED.allowedFrom()).containsExactly(PENDING);
        assertThat(FAILED.allowedFrom()).containsExactly(PENDING);
        assertThat(TIMED_OUT.allowedFrom()).containsExactly(PENDING);
        assertThat(COMPENSATING.allowedFrom()).containsExactlyInAnyOrder(PENDING, SUCCEEDED, FAILED, TIMED_OUT);
        assertThat(COMPENSATED.allowedFrom()).doesNotContain(COMPENSATED);
        assertThat(PENDING.allowedFrom()).containsExactlyInAnyOrder(PENDING, FAILED, TIMED_OUT);
    }

    @Test
    void sagaStateSummarisesItsSteps() {
        assertThat(DefaultSagaLog.state(List.of(step(SUCCEEDED), step(PENDING)))).isEqualTo("RUNNING");
        assertThat(DefaultSagaLog.state(List.of(step(COMPENSATING), step(FAILED)))).isEqualTo("RUNNING");
        assertThat(DefaultSagaLog.state(List.of(step(SUCCEEDED), step(SUCCEEDED)))).isEqualTo("COMPLETED");
        assertThat(DefaultSagaLog.state(List.of(step(SUCCEEDED), step(COMPENSATED)))).isEqualTo("COMPENSATED");
        assertThat(DefaultSagaLog.state(List.of(step(TIMED_OUT)))).isEqualTo("FAILED");
        assertThat(DefaultSagaLog.state(List.of())).isEqualTo("UNKNOWN");
    }

    private static SagaStep step(SagaStatus status) {
        return new SagaStep(UUID.randomUUID(), "order", "s-" + status, status, null, List.of(), 1, null, null, null,
                null, null);
    }
}
