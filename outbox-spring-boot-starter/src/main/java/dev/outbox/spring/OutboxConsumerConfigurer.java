package dev.outbox.spring;

import dev.outbox.consumer.EventConsumer;

/**
 * Declares topics and handlers of the application's idempotent consumer. Every bean of this type adds to one
 * {@link EventConsumer} (group {@code outbox.consumer.group}), which the starter starts with the application and
 * runs in Spring's transactions.
 *
 * <pre>{@code
 * @Bean
 * OutboxConsumerConfigurer payments(JdbcTemplate jdbc) {
 *     return builder -> builder.topics("outbox.event.payment")
 *             .on("PaymentReceived", PaymentReceived.class, (tx, event, context) ->
 *                     jdbc.update("UPDATE account SET balance = balance + ? WHERE id = ?", event.amount(), event.account()));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface OutboxConsumerConfigurer {

    void configure(EventConsumer.Builder builder);
}
