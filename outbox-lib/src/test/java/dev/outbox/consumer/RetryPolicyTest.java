package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.consumer.RetryPolicy.Failure;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1),
            List.of(NonRetriableException.class, UncheckedIOException.class));

    @Test
    void racesBetweenTransactionsAreTransientWhereverTheSqlExceptionSitsInTheCauseChain() {
        for (String state : List.of("40001", "40P01", "55P03")) {
            assertThat(policy.classify(new SQLException("race", state))).as(state).isEqualTo(Failure.TRANSIENT);
            assertThat(policy.classify(new IllegalStateException("wrapped", new SQLException("race", state))))
                    .as(state).isEqualTo(Failure.TRANSIENT);
        }
    }

    @Test
    void anUnreachableDatabaseIsNeitherCountedNorTransientButUnavailable() {
        assertThat(policy.classify(new SQLException("gone", "08006"))).isEqualTo(Failure.DATABASE_UNAVAILABLE);
        assertThat(policy.classify(new DefaultEventConsumer.DatabaseUnavailable(new SQLException("x", "3D000"))))
                .isEqualTo(Failure.DATABASE_UNAVAILABLE);
    }

    @Test
    void constraintViolationsBugsAndErrorsCountAgainstTheHandler() {
        assertThat(policy.classify(new SQLException("duplicate", "23505"))).isEqualTo(Failure.COUNTED);
        assertThat(policy.classify(new IllegalStateException("bug"))).isEqualTo(Failure.COUNTED);
        assertThat(policy.classify(new AssertionError("invariant"))).isEqualTo(Failure.COUNTED);
        assertThat(policy.classify(new StackOverflowError())).isEqualTo(Failure.COUNTED);
    }

    @Test
    void configuredTypesAnywhereInTheCauseChainAreNonRetriable() {
        assertThat(policy.classify(new NonRetriableException("no such order"))).isEqualTo(Failure.NON_RETRIABLE);
        assertThat(policy.classify(new RuntimeException(new UncheckedIOException(new java.io.IOException("x")))))
                .isEqualTo(Failure.NON_RETRIABLE);
    }

    @Test
    void backoffDoublesFromTheInitialValueUpToTheMaximum() {
        assertThat(policy.backoff(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.backoff(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(policy.backoff(4)).isEqualTo(Duration.ofMillis(800));
        assertThat(policy.backoff(5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoff(500)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void maxAttemptsCountedAttemptsExhaustTheRecord() {
        assertThat(policy.exhausted(2)).isFalse();
        assertThat(policy.exhausted(3)).isTrue();
    }
}
