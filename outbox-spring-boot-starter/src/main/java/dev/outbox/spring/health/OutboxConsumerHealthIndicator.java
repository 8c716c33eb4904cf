package dev.outbox.spring.health;

import dev.outbox.consumer.EventConsumer;
import dev.outbox.spring.OutboxConsumerRunner;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Actuator health of the outbox consumer (Spring Boot 4 health API): UP while its polling loop runs, DOWN while it
 * waits to be restarted after dying and once it is closed; restarts and the last error are shown as details.
 */
public final class OutboxConsumerHealthIndicator implements HealthIndicator {

    private final OutboxConsumerRunner runner;

    public OutboxConsumerHealthIndicator(OutboxConsumerRunner runner) {
        this.runner = runner;
    }

    @Override
    public Health health() {
        EventConsumer consumer = runner.consumer();
        if (consumer == null) {
            return Health.down().withDetail("reason", "the consumer is not started").build();
        }
        EventConsumer.Health state = consumer.health();
        Health.Builder health = state.running() ? Health.up() : Health.down()
                .withDetail("reason", "the consumer's polling loop is not running (awaiting a restart, or closed)");
        health.withDetail("group", consumer.group())
                .withDetail("assignedPartitions", consumer.assignment().size())
                .withDetail("restarts", state.restarts());
        if (state.lastError() != null) {
            health.withDetail("lastError", state.lastError())
                    .withDetail("lastErrorAt", String.valueOf(state.lastErrorAt()));
        }
        return health.build();
    }
}
