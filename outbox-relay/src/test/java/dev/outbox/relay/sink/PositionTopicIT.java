package dev.outbox.relay.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.relay.state.PositionRecord;
import dev.outbox.relay.state.SourceIdentity;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The relay's record is read back from the end of the shared position topic: found however many records other relays
 * (or this one, before it) wrote after it, and the newest of its own wins.
 */
@OutboxInfraTest
class PositionTopicIT {

    private static final SourceIdentity SOURCE = new SourceIdentity("7321", 1, "orders", "order_relay");

    @Test
    void findsTheNewestRecordOfThisRelayBehindManyRecordsOfOthers(Kafka kafka) {
        String topic = "positions.behind-others";
        try (KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), Map.of());
                PositionTopic positions = new PositionTopic(clients, topic, "order_relay")) {
            assertThat(positions.read()).isEmpty(); // creates the topic
            positions.write(new PositionRecord(SOURCE, 100, Instant.parse("2026-01-01T00:00:00Z")));
            writeOthers(kafka, topic, "order_relay", 2, 2_500);
            positions.write(new PositionRecord(SOURCE, 200, Instant.parse("2026-01-02T00:00:00Z")));
            writeOthers(kafka, topic, "other_relay", 3, 30_000);

            Optional<PositionRecord> newest = freshRead(kafka, topic, "order_relay");

            assertThat(newest).hasValueSatisfying(record -> {
                assertThat(record.position()).isEqualTo(200);
                assertThat(record.identity()).isEqualTo(SOURCE);
            });
        }
    }

    @Test
    void aRelayWithoutARecordFindsNoneAmongOthers(Kafka kafka) {
        String topic = "positions.none-of-its-own";
        try (KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), Map.of());
                PositionTopic positions = new PositionTopic(clients, topic, "inventory_relay")) {
            assertThat(positions.read()).isEmpty();
            writeOthers(kafka, topic, "other_relay", 1, 5_000);

            assertThat(freshRead(kafka, topic, "inventory_relay")).isEmpty();
            assertThat(freshRead(kafka, topic, "other_relay_0")).hasValueSatisfying(record ->
                    assertThat(record.position()).isEqualTo(4_999));
        }
    }

    @Test
    void createsTheTopicCompactedWithSegmentsThatRollSoCompactionCanClean(Kafka kafka) throws Exception {
        String topic = "positions.created";
        try (KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), Map.of());
                PositionTopic positions = new PositionTopic(clients, topic, "order_relay")) {
            positions.read();

            var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = clients.sharedAdmin().describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
            assertThat(config.get("segment.ms").value()).isEqualTo("600000");
            assertThat(config.get("segment.bytes").value()).isEqualTo("16777216");
        }
    }

    /** A new relay process: its own clients, nothing known of the topic. */
    private static Optional<PositionRecord> freshRead(Kafka kafka, String topic, String relayName) {
        try (KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), Map.of());
                PositionTopic positions = new PositionTopic(clients, topic, relayName)) {
            return positions.read();
        }
    }

    /** {@code count} records of {@code relays} other relay names ({@code prefix_0}…), positions 0…count-1. */
    private static void writeOthers(Kafka kafka, String topic, String prefix, int relays, int count) {
        Map<String, Object> settings = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < count; i++) {
                String value = new PositionRecord(SOURCE, i, Instant.EPOCH).format();
                producer.send(new ProducerRecord<>(topic, 0, prefix + "_" + (i % relays), value));
            }
            producer.flush();
        }
    }
}
