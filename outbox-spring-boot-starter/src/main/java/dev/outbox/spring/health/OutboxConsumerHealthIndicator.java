package dev.outbox.spring.health;

import dev.outbox.consumer.EventConsumer;
import dev.outbox.spring.OutboxConsumerRunner;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Actuator health of the outbox consumer (Spring Boot 4 health API): UP while its polling thread runs, DOWN once it
 * stopped or died.
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
        Health.Builder health = consumer.isRunning() ? Health.up() : Health.down()
                .withDetail("reason", "the consumer's polling thread stopped; see the log for its last error");
        return health.withDetail("group", consumer.group())
                .withDetail("assignedPartitions", consumer.assignment().size())
                .build();
    }
}
