package dev.outbox.spring;

import dev.outbox.Outbox;
import dev.outbox.OutboxEvent;
import dev.outbox.consumer.NonRetriableException;
import dev.outbox.saga.SagaStep;
import dev.outbox.saga.TimeoutHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jooq.DSLContext;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/** A Spring Boot application as a user of the starter writes one: own migrations, a service, a consumer. */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableTransactionManagement
class StarterTestApplication {

    record OrderPlaced(UUID orderId) implements OutboxEvent {
        public String aggregateType() { return "order"; }
        public String aggregateId() { return orderId.toString(); }
        public String eventType() { return "OrderPlaced"; }
    }

    record PaymentReceived(String account, long amount) {
    }

    /** Publishes from @Transactional methods, writing its own rows with JdbcTemplate. */
    static class OrderService {

        private final JdbcTemplate jdbc;
        private final OutboxPublisher publisher;
        private final TransactionalInbox inbox;
        private final DSLContext dsl;
        private final Outbox outbox;

        OrderService(JdbcTemplate jdbc, OutboxPublisher publisher, TransactionalInbox inbox, DSLContext dsl,
                     Outbox outbox) {
            this.jdbc = jdbc;
            this.publisher = publisher;
            this.inbox = inbox;
            this.dsl = dsl;
            this.outbox = outbox;
        }

        /** Boot's DSLContext is transaction-aware: the jOOQ insert and the event join the method's transaction. */
        @Transactional
        public UUID placeOrderWithJooq(UUID orderId, boolean fail) {
            dsl.execute("INSERT INTO orders (id, status) VALUES (?, 'PENDING')", orderId);
            UUID eventId = outbox.publish(dsl, new OrderPlaced(orderId));
            if (fail) {
                throw new IllegalStateException("business rule failed after publishing");
            }
            return eventId;
        }

        @Transactional
        public UUID placeOrder(UUID orderId) {
            jdbc.update("INSERT INTO orders (id, status) VALUES (?, 'PENDING')", orderId);
            return publisher.publish(new OrderPlaced(orderId));
        }

        @Transactional
        public void placeOrderThenFail(UUID orderId) {
            placeOrder(orderId);
            throw new IllegalStateException("business rule failed after publishing");
        }

        /** What a @KafkaListener method does with the inbox: apply a credit once per event id. */
        @Transactional
        public void creditOnce(UUID eventId, String account, long amount) {
            if (inbox.firstDelivery(eventId)) {
                jdbc.update("UPDATE account SET balance = balance + ? WHERE id = ?", amount, account);
            }
        }
    }

    @Bean
    OrderService orderService(JdbcTemplate jdbc, OutboxPublisher publisher, TransactionalInbox inbox, DSLContext dsl,
                              Outbox outbox) {
        return new OrderService(jdbc, publisher, inbox, dsl, outbox);
    }

    @Bean
    MeterRegistry meterRegistry() {
        return new SimpleMeterRegistry();
    }

    /** Handlers writing with JdbcTemplate, not through the handler's DSLContext. */
    @Bean
    OutboxConsumerConfigurer payments(JdbcTemplate jdbc) {
        return builder -> builder.topics(StarterIT.PAYMENTS)
                .on("PaymentReceived", PaymentReceived.class, (tx, event, context) ->
                        jdbc.update("UPDATE account SET balance = balance + ? WHERE id = ?", event.amount(),
                                event.account()))
                .on("PaymentRejected", PaymentReceived.class, (tx, event, context) -> {
                    jdbc.update("INSERT INTO handler_attempt (event_id) VALUES (?)", context.eventId());
                    throw new NonRetriableException("rejected after a JdbcTemplate write");
                });
    }

    static final List<SagaStep> TIMED_OUT = new CopyOnWriteArrayList<>();

    @Bean
    TimeoutHandler timeoutHandler() {
        return (tx, step) -> TIMED_OUT.add(step);
    }
}
