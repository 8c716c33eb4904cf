package dev.outbox.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** Issue 20: the inbox from a Spring Kafka @KafkaListener; a record delivered twice is applied once. */
@OutboxInfraTest
class KafkaListenerInboxIT {

    static final String TOPIC = "listener-it.payments";

    private static ConfigurableApplicationContext app;
    private static JdbcTemplate jdbc;
    private static String bootstrapServers;

    @BeforeAll
    static void start(TestDatabase database, Kafka kafka) {
        kafka.createTopic(TOPIC, 1);
        bootstrapServers = kafka.bootstrapServers();
        app = new SpringApplicationBuilder(ListenerTestApplication.class)
                .web(WebApplicationType.NONE)
                .properties(Map.of(
                        "spring.datasource.url", database.jdbcUrl(),
                        "spring.datasource.username", database.user(),
                        "spring.datasource.password", database.password(),
                        "spring.application.name", "listener-it",
                        "spring.kafka.bootstrap-servers", bootstrapServers,
                        "spring.kafka.consumer.group-id", "listener-it",
                        "spring.kafka.consumer.auto-offset-reset", "earliest"))
                .run();
        jdbc = app.getBean(JdbcTemplate.class);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void aRecordDeliveredTwiceToAKafkaListenerIsAppliedOnce() {
        UUID eventId = UUID.randomUUID();

        send("a-1", eventId);
        send("a-1", eventId);
        send("a-2", UUID.randomUUID());

        // One partition, handled in order: once a-2 is credited, both copies for a-1 were handled.
        await().atMost(Duration.ofSeconds(60)).until(() -> balance("a-2") == 1);
        assertThat(balance("a-1")).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM processed_event WHERE consumer_group = 'listener-it'",
                Integer.class)).isEqualTo(2);
    }

    private static long balance(String account) {
        return jdbc.queryForObject("SELECT balance FROM account WHERE id = ?", Long.class, account);
    }

    private static void send(String account, UUID eventId) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers),
                new StringSerializer(), new StringSerializer())) {
            ProducerRecord<String, String> record = new ProducerRecord<>(TOPIC, account, "{}");
            record.headers().add("id", eventId.toString().getBytes(StandardCharsets.UTF_8));
            producer.send(record);
            producer.flush();
        }
    }
}
