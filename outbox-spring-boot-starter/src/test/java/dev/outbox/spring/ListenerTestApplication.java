package dev.outbox.spring;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/** A Boot application consuming with Spring Kafka's @KafkaListener and the starter's TransactionalInbox. */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableTransactionManagement
class ListenerTestApplication {

    /** The README's listener: the inbox row and the JdbcTemplate write commit together. */
    static class PaymentListener {

        private final TransactionalInbox inbox;
        private final JdbcTemplate jdbc;

        PaymentListener(TransactionalInbox inbox, JdbcTemplate jdbc) {
            this.inbox = inbox;
            this.jdbc = jdbc;
        }

        @KafkaListener(topics = KafkaListenerInboxIT.TOPIC)
        @Transactional
        public void on(ConsumerRecord<String, String> record) {
            if (inbox.firstDelivery(record.headers())) {
                jdbc.update("UPDATE account SET balance = balance + 1 WHERE id = ?", record.key());
            }
        }
    }

    @Bean
    PaymentListener paymentListener(TransactionalInbox inbox, JdbcTemplate jdbc) {
        return new PaymentListener(inbox, jdbc);
    }
}
