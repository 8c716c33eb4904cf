package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.junit.jupiter.api.Test;

class EventConsumerSettingsTest {

    /** The driver's DataSource, never connected: these tests stop before start() does any I/O. */
    private static final DataSource NO_DATABASE = new PGSimpleDataSource();

    record Ping(String id) {
    }

    private static EventConsumer.Builder builder() {
        return EventConsumer.builder(NO_DATABASE, "localhost:9", "group");
    }

    @Test
    void missingTopicsOrHandlersFailNamingTheSetting() {
        assertThatThrownBy(() -> builder().on("Ping", Ping.class, (tx, e, c) -> { }).start())
                .hasMessageContaining("topics");
        assertThatThrownBy(() -> builder().topics("t").start()).hasMessageContaining("handler");
    }

    @Test
    void invalidSettingsFailNamingTheSetting() {
        assertThatThrownBy(() -> EventConsumer.builder(NO_DATABASE, " ", "g")).hasMessageContaining("bootstrapServers");
        assertThatThrownBy(() -> EventConsumer.builder(NO_DATABASE, "k:9", "")).hasMessageContaining("group");
        assertThatThrownBy(() -> builder().maxAttempts(0)).hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("backoff");
        assertThatThrownBy(() -> builder().pollTimeout(Duration.ZERO)).hasMessageContaining("pollTimeout");
        assertThatThrownBy(() -> builder().concurrency(0)).hasMessageContaining("concurrency");
        assertThatThrownBy(() -> builder().concurrency(257)).hasMessageContaining("concurrency");
        assertThatThrownBy(() -> builder().on("Ping", Ping.class, (tx, e, c) -> { })
                .on("Ping", Ping.class, (tx, e, c) -> { })).hasMessageContaining("Ping");
    }

    @Test
    void staticMembershipAndSessionTimeoutReachTheKafkaConsumer() {
        Map<String, Object> dynamic = DefaultEventConsumer.consumerConfig(builder());
        assertThat(dynamic).doesNotContainKey("group.instance.id")
                .containsEntry("session.timeout.ms", 10_000).containsEntry("heartbeat.interval.ms", 3000);

        Map<String, Object> fixed = DefaultEventConsumer.consumerConfig(
                builder().staticMembership("order-service-host-a-8081").sessionTimeout(Duration.ofSeconds(6)));
        assertThat(fixed).containsEntry("group.instance.id", "order-service-host-a-8081")
                .containsEntry("session.timeout.ms", 6000).containsEntry("heartbeat.interval.ms", 2000);

        assertThatThrownBy(() -> builder().staticMembership(" ")).hasMessageContaining("staticMembership");
        assertThatThrownBy(() -> builder().staticMembership("a@b:1")).hasMessageContaining("staticMembership");
        assertThatThrownBy(() -> builder().sessionTimeout(Duration.ofMillis(10)))
                .hasMessageContaining("sessionTimeout");
    }

    @Test
    void connectionLossAndOverloadCountAsDatabaseUnavailableButConstraintViolationsDoNot() {
        assertThat(DefaultEventConsumer.isInfrastructureFailure(new SQLException("gone", "08006"))).isTrue();
        assertThat(DefaultEventConsumer.isInfrastructureFailure(new SQLException("too many", "53300"))).isTrue();
        assertThat(DefaultEventConsumer.isInfrastructureFailure(new SQLException("shutdown", "57P01"))).isTrue();
        assertThat(DefaultEventConsumer.isInfrastructureFailure(
                new RuntimeException(new SQLTransientConnectionException("pool timeout")))).isTrue();
        assertThat(DefaultEventConsumer.isInfrastructureFailure(
                new DefaultEventConsumer.DatabaseUnavailable(new SQLException("no such database", "3D000")))).isTrue();
        assertThat(DefaultEventConsumer.isInfrastructureFailure(new SQLException("duplicate", "23505"))).isFalse();
        assertThat(DefaultEventConsumer.isInfrastructureFailure(new IllegalStateException("bug"))).isFalse();
    }

    @Test
    void consumedEventExposesSagaCorrelationAndCausation() {
        UUID sagaId = UUID.randomUUID();
        ConsumedEvent event = new ConsumedEvent(UUID.randomUUID(), "Ping", "t", 0, 1, "k", Instant.EPOCH,
                Map.of("saga_id", sagaId.toString(), "correlation_id", "c", "causation_id", "x"));
        assertThat(event.sagaId()).contains(sagaId);
        assertThat(event.correlationId()).isEqualTo("c");
        assertThat(event.causationId()).isEqualTo("x");
        assertThat(new ConsumedEvent(UUID.randomUUID(), "Ping", "t", 0, 1, null, Instant.EPOCH,
                Map.of("saga_id", "not-a-uuid")).sagaId()).isEmpty();
    }
}
