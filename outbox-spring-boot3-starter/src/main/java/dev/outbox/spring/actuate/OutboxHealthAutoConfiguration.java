package dev.outbox.spring.actuate;

import dev.outbox.spring.OutboxAutoConfiguration;
import dev.outbox.spring.OutboxConsumerRunner;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/** Actuator health of the outbox consumer (contributor {@code outboxConsumer}), with Spring Boot 3.5's Actuator. */
@AutoConfiguration(after = OutboxAutoConfiguration.class)
@ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
public class OutboxHealthAutoConfiguration {

    @Bean
    @ConditionalOnBean(OutboxConsumerRunner.class)
    @ConditionalOnMissingBean(name = "outboxConsumerHealthIndicator")
    OutboxConsumerHealthIndicator outboxConsumerHealthIndicator(OutboxConsumerRunner runner) {
        return new OutboxConsumerHealthIndicator(runner);
    }
}
