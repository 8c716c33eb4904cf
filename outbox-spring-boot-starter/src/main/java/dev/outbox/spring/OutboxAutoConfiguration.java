package dev.outbox.spring;

import dev.outbox.Outbox;
import dev.outbox.OutboxConfig;
import dev.outbox.consumer.EventConsumer;
import dev.outbox.consumer.InboxTransactions;
import dev.outbox.saga.SagaTimeoutScanner;
import dev.outbox.saga.TimeoutHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Auto-configuration of outbox-lib over the application's {@link DataSource} and Spring transactions: the
 * {@link Outbox} and {@link OutboxPublisher}, the library migrations, the consumer runner, the
 * {@link TransactionalInbox}, the saga timeout scanner and metrics (health: {@code OutboxHealthAutoConfiguration} of the health package).
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        // The same auto-configurations under their Spring Boot 3.5 names.
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"})
@ConditionalOnSingleCandidate(DataSource.class)
@EnableConfigurationProperties(OutboxProperties.class)
public class OutboxAutoConfiguration {

    /** The library tables, applied by a Flyway of their own before anything below is created. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.flywaydb.core.Flyway")
    @ConditionalOnProperty(prefix = "outbox.schema", name = "migrate", havingValue = "true", matchIfMissing = true)
    static class SchemaConfiguration {

        @Bean
        @ConditionalOnMissingBean
        OutboxSchemaMigration outboxSchemaMigration(DataSource dataSource, OutboxProperties properties) {
            return new OutboxSchemaMigration(dataSource, properties.getSchema().getPublication());
        }
    }

    @Bean
    @ConditionalOnMissingBean
    OutboxConfig outboxConfig(OutboxProperties properties, ObjectProvider<OutboxSchemaMigration> migration) {
        // Every outbox bean needs this one: asking for the migration here applies it before any of them exists.
        migration.ifAvailable(applied -> { });
        return OutboxConfig.defaults()
                .withTable(properties.getTable())
                .withMaxPayloadBytes(properties.getMaxPayloadBytes())
                .withDeleteAfterInsert(properties.isDeleteAfterInsert());
    }

    @Bean
    @ConditionalOnMissingBean
    Outbox outbox(OutboxConfig config) {
        return Outbox.create(config);
    }

    @Bean
    @ConditionalOnMissingBean
    OutboxPublisher outboxPublisher(Outbox outbox, DataSource dataSource) {
        return new OutboxPublisher(outbox, dataSource);
    }

    @Bean
    @ConditionalOnMissingBean
    TransactionalInbox transactionalInbox(DataSource dataSource, OutboxProperties properties, Environment environment) {
        return new TransactionalInbox(dataSource, consumerGroup(properties, environment));
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnSingleCandidate(PlatformTransactionManager.class)
    InboxTransactions outboxInboxTransactions(PlatformTransactionManager transactionManager, DataSource dataSource) {
        return new SpringInboxTransactions(transactionManager, dataSource);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(OutboxConsumerConfigurer.class)
    @ConditionalOnProperty(prefix = "outbox.consumer", name = "enabled", havingValue = "true", matchIfMissing = true)
    OutboxConsumerRunner outboxConsumerRunner(DataSource dataSource, OutboxConfig config, OutboxProperties properties,
            Environment environment, ObjectProvider<InboxTransactions> springTransactions,
            List<OutboxConsumerConfigurer> configurers,
            ObjectProvider<MeterRegistry> meterRegistry) {
        OutboxProperties.Consumer settings = properties.getConsumer();
        String group = consumerGroup(properties, environment);
        if (group == null || group.isBlank()) {
            throw new IllegalStateException("outbox.consumer.group is not set (nor spring.application.name): the "
                    + "consumer needs a Kafka consumer group, which is also its inbox key");
        }
        // Without a (single) transaction manager, the consumer commits its own connections, as outbox-lib does.
        InboxTransactions transactions = springTransactions.getIfAvailable(() -> InboxTransactions.of(dataSource));
        MeterRegistry registry = meterRegistry.getIfAvailable(() -> Metrics.globalRegistry);
        Supplier<EventConsumer.Builder> builders = () -> consumerSettings(
                EventConsumer.builder(dataSource, settings.getBootstrapServers(), group)
                        .transactions(transactions)
                        .objectMapper(config.objectMapper())
                        .meterRegistry(registry), settings);
        builders.get(); // a bad outbox.consumer.* value fails the context here, naming the property
        return new OutboxConsumerRunner(builders, configurers);
    }

    static EventConsumer.Builder consumerSettings(EventConsumer.Builder builder,
            OutboxProperties.Consumer settings) {
        applying("max-attempts", () -> builder.maxAttempts(settings.getMaxAttempts()));
        applying("concurrency", () -> builder.concurrency(settings.getConcurrency()));
        applying("batch-size", () -> builder.batchSize(settings.getBatchSize()));
        applying("dead-letter-suffix", () -> builder.deadLetterSuffix(settings.getDeadLetterSuffix()));
        applying("poll-timeout", () -> builder.pollTimeout(settings.getPollTimeout()));
        applying("offset-commit-interval", () -> builder.offsetCommitInterval(settings.getOffsetCommitInterval()));
        applying("session-timeout", () -> builder.sessionTimeout(settings.getSessionTimeout()));
        String instanceId = settings.getInstanceId();
        if (instanceId != null && !instanceId.isBlank()) {
            applying("instance-id", () -> builder.staticMembership(instanceId.strip()));
        }
        return builder;
    }

    private static void applying(String property, Runnable setting) {
        try {
            setting.run();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("outbox.consumer." + property + ": " + e.getMessage(), e);
        }
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnBean(TimeoutHandler.class)
    @ConditionalOnProperty(prefix = "outbox.saga-timeouts", name = "enabled", havingValue = "true")
    SagaTimeoutScanner sagaTimeoutScanner(DataSource dataSource, TimeoutHandler handler, OutboxConfig config,
            OutboxProperties properties, ObjectProvider<MeterRegistry> meterRegistry) {
        OutboxProperties.SagaTimeouts settings = properties.getSagaTimeouts();
        return SagaTimeoutScanner.builder(dataSource, handler)
                .interval(settings.getInterval())
                .batchSize(settings.getBatchSize())
                .objectMapper(config.objectMapper())
                .meterRegistry(meterRegistry.getIfAvailable(() -> Metrics.globalRegistry))
                .start();
    }

    private static String consumerGroup(OutboxProperties properties, Environment environment) {
        String group = properties.getConsumer().getGroup();
        return group != null && !group.isBlank() ? group : environment.getProperty("spring.application.name");
    }
}
