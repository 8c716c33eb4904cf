package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * With {@code OUTBOX_TESTKIT_BACKEND=testcontainers} the shared servers are containers, and they are what the relay
 * needs: logical decoding with replication slots, and Kafka transactions on a single broker.
 */
@OutboxInfraTest
@EnabledIfEnvironmentVariable(named = "OUTBOX_TESTKIT_BACKEND", matches = "testcontainers")
class ContainerBackendIT {

    @Test
    void postgresIsAContainerWithLogicalDecoding(Postgres postgres, TestDatabase database) throws Exception {
        assertThat(postgres).isInstanceOf(ContainerPostgres.class);
        try (Connection connection = database.dataSource().getConnection();
                Statement statement = connection.createStatement()) {
            assertThat(single(statement, "SHOW wal_level")).isEqualTo("logical");
            statement.execute("SELECT pg_create_logical_replication_slot('container_backend_it', 'pgoutput')");
            assertThat(single(statement, "SELECT count(*) FROM pg_replication_slots")).isEqualTo("1");
        }
    }

    @Test
    void kafkaIsAContainerThatCommitsTransactions(Kafka kafka) throws Exception {
        assertThat(kafka).isInstanceOf(ContainerKafka.class);
        String topic = "container-backend-" + UUID.randomUUID();
        kafka.createTopic(topic, 2);
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "container-backend-it"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8),
                    "v".getBytes(StandardCharsets.UTF_8)));
            producer.commitTransaction();
        }
        assertThat(KafkaRoundTripIT.consumeAll(kafka, topic, 1)).hasSize(1);
    }

    private static String single(Statement statement, String sql) throws Exception {
        try (ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
