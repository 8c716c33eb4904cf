package dev.outbox.relay;

import dev.outbox.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Test helpers: write outbox rows the way a service would, and read topics back. */
final class Outboxes {

    private Outboxes() {
    }

    static final String INSERT = """
            INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, headers)
            VALUES (?::uuid, ?, ?, ?, ?::jsonb, ?::jsonb)""";

    static String insert(Connection connection, String aggregateType, String aggregateId, String payload)
            throws SQLException {
        String id = UUID.randomUUID().toString();
        try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
            statement.setString(1, id);
            statement.setString(2, aggregateType);
            statement.setString(3, aggregateId);
            statement.setString(4, "TestEvent");
            statement.setString(5, payload);
            statement.setString(6, "{\"saga_id\": \"s-1\"}");
            statement.executeUpdate();
        }
        return id;
    }

    static String insertCommitted(TestDatabase database, String aggregateType, String aggregateId, String payload)
            throws SQLException {
        try (Connection connection = database.dataSource().getConnection()) {
            return insert(connection, aggregateType, aggregateId, payload);
        }
    }

    static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers, String... topics) {
        var consumer = new KafkaConsumer<byte[], byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "relay-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics));
        return consumer;
    }

    /** Reads until {@code expected} records arrived, or the timeout passed. */
    static List<ConsumerRecord<byte[], byte[]>> readAtLeast(KafkaConsumer<byte[], byte[]> consumer, int expected,
            Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (records.size() < expected && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }

    /** Polls for a quiet second more, to catch what should not be there (duplicates, rolled-back rows). */
    static List<ConsumerRecord<byte[], byte[]>> drainQuiet(KafkaConsumer<byte[], byte[]> consumer) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int emptyPolls = 0; emptyPolls < 5; ) {
            var polled = consumer.poll(Duration.ofMillis(200));
            if (polled.isEmpty()) {
                emptyPolls++;
            } else {
                polled.forEach(records::add);
                emptyPolls = 0;
            }
        }
        return records;
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    static String value(ConsumerRecord<byte[], byte[]> record) {
        return record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
    }

    static String key(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8);
    }
}
