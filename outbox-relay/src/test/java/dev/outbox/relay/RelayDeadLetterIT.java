package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Rows the broker refuses for good become dead letters in both delivery modes, and a dead letter the broker refuses
 * too becomes one with the row's metadata only; the rows after them keep flowing and the relay keeps running, ready:
 * a refusal is Kafka answering, not an outage.
 */
@OutboxInfraTest
class RelayDeadLetterIT {

    private static String payload(int bytes) {
        return "{\"s\": \"" + "x".repeat(bytes) + "\"}";
    }

    @ParameterizedTest
    @ValueSource(strings = {"at-least-once", "exactly-once"})
    void recordsTheBrokerRefusesBecomeDeadLettersAndARefusedDeadLetterKeepsTheMetadata(String delivery,
            TestDatabase database, Kafka kafka) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        String name = "refused_" + delivery.replace('-', '_');
        String prefix = name.replace('_', '-');
        kafka.createTopic(prefix + ".small", 1, Map.of("max.message.bytes", "2000"));
        kafka.createTopic(prefix + ".dlq", 1, Map.of("max.message.bytes", "4000"));
        Map<String, String> values = new HashMap<>(RelayProcess.environment(database, kafka, name));
        values.put("OUTBOX_TOPIC_TEMPLATE", prefix + ".${aggregatetype}");
        values.put("OUTBOX_DLQ_TOPIC", prefix + ".dlq");
        values.put("OUTBOX_DELIVERY", delivery);
        values.put("OUTBOX_POSITION_TOPIC", prefix + ".positions");
        try (Relay relay = new Relay(RelayConfig.from(values))) {
            relay.start();
            await().atMost(Duration.ofSeconds(60)).until(relay::ready);
            ListAppender<ILoggingEvent> availability = new ListAppender<>();
            availability.start();
            Logger metricsLog = (Logger) LoggerFactory.getLogger(RelayMetrics.class);
            metricsLog.addAppender(availability);

            // Over the topic's limit: the broker refuses it; a size refusal's dead letter keeps the metadata only.
            String refused = Outboxes.insertCommitted(database, "small", "a-1", payload(2_500));
            // No key: a dead letter before sending, with the payload, which is over the dead-letter topic's limit
            // too, so the metadata-only dead letter replaces it.
            String refusedTwice = Outboxes.insertCommitted(database, "small", "", payload(6_000));
            // No key, small: its dead letter keeps the payload.
            String keyless = Outboxes.insertCommitted(database, "small", "", payload(100));
            String after = Outboxes.insertCommitted(database, "small", "a-1", "{\"n\": 1}");

            try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), prefix + ".small", prefix + ".dlq")) {
                List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(
                        Outboxes.readAtLeast(consumer, 4, Duration.ofSeconds(60)));
                records.addAll(Outboxes.drainQuiet(consumer));
                var delivered = records.stream().filter(r -> r.topic().equals(prefix + ".small")).toList();
                var dead = records.stream().filter(r -> r.topic().equals(prefix + ".dlq")).toList();

                assertThat(delivered).extracting(r -> Outboxes.header(r, "id")).containsExactly(after);
                // Dead letters are not ordered among themselves: a replacement goes once the refusal is known.
                Map<String, ConsumerRecord<byte[], byte[]>> byId = new HashMap<>();
                dead.forEach(r -> byId.put(Outboxes.header(r, "dlq_outbox_id"), r));
                assertThat(dead).hasSize(3);
                assertThat(byId).containsOnlyKeys(refused, refusedTwice, keyless);
                assertThat(Outboxes.header(byId.get(refused), "dlq_reason")).contains("Kafka refused the record");
                assertThat(byId.get(refused).value()).isNull();
                assertThat(Outboxes.header(byId.get(refusedTwice), "dlq_reason")).contains("aggregateid is blank")
                        .contains("metadata only");
                assertThat(byId.get(refusedTwice).value()).isNull();
                assertThat(Outboxes.value(byId.get(keyless))).isEqualTo(payload(100));
            }
            assertThat(relay.alive()).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(relay::ready);
            metricsLog.detachAppender(availability);
            assertThat(availability.list).extracting(ILoggingEvent::getFormattedMessage)
                    .doesNotContain("Kafka unavailable");
        }
    }
}
