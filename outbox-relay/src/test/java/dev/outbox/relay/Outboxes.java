package dev.outbox.relay;

import dev.outbox.relay.state.PositionRecord;
import dev.outbox.testkit.TestDatabase;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.postgresql.PGConnection;

/** Test helpers: write outbox rows the way a service would, and read topics back. */
final class Outboxes {

    private Outboxes() {
    }

    /**
     * The settings of a relay named {@code name} on {@code database} and the broker at {@code bootstrapServers}: its
     * topics are {@code <name>.<aggregatetype>}, HTTP off. Mutable, for a test's own settings.
     */
    static Map<String, String> relaySettings(TestDatabase database, String bootstrapServers, String name) {
        return new HashMap<>(Map.of(
                "OUTBOX_DB_URL", database.jdbcUrl(),
                "OUTBOX_DB_USER", database.user(),
                "OUTBOX_DB_PASSWORD", database.password(),
                "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", bootstrapServers,
                "OUTBOX_RELAY_NAME", name,
                "OUTBOX_TOPIC_TEMPLATE", name + ".${aggregatetype}",
                "OUTBOX_HTTP_PORT", "0"));
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

    /**
     * Writes {@code rows} rows with one COPY (so they share one transaction and are decoded from one WAL stream of
     * a single command) over five aggregates {@code aggregatePrefix0..4}; payloads carry increasing numbers {@code i}.
     */
    static void copy(Connection connection, String aggregateType, String aggregatePrefix, int rows)
            throws SQLException {
        StringBuilder text = new StringBuilder();
        long base = System.nanoTime();
        for (int g = 0; g < rows; g++) {
            text.append(UUID.randomUUID()).append('\t').append(aggregateType).append('\t').append(aggregatePrefix)
                    .append(g % 5).append("\tCopied\t{\"i\": ").append(base + g).append("}\t{}\n");
        }
        try {
            connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "COPY outbox (id, aggregatetype, aggregateid, type, payload, headers) FROM STDIN",
                    new StringReader(text.toString()));
        } catch (java.io.IOException e) {
            throw new SQLException("COPY failed", e);
        }
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

    /** The slot's confirmed_flush_lsn as a number (0 if the slot has none). */
    static long slotConfirmed(TestDatabase database, String slot) {
        Object lsn = database.dsl().fetchValue("""
                SELECT pg_wal_lsn_diff(confirmed_flush_lsn, '0/0') FROM pg_replication_slots WHERE slot_name = ?""",
                slot);
        return lsn == null ? 0 : ((Number) lsn).longValue();
    }

    /** WAL the slot keeps from recycling: from its restart position to the server's current position. */
    static long retainedWal(TestDatabase database, String slot) {
        return ((Number) database.dsl().fetchValue("""
                SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots
                 WHERE slot_name = ?""", slot)).longValue();
    }

    /** The exactly-once relay's newest committed source position in its position topic, read read_committed. */
    static long kafkaPosition(String bootstrapServers, String positionTopic, String relayName) {
        PositionRecord record = positionRecord(bootstrapServers, positionTopic, relayName);
        return record == null ? 0 : record.position();
    }

    /** The relay's newest record in its position topic, read read_committed; null when it has none. */
    static PositionRecord positionRecord(String bootstrapServers, String positionTopic, String relayName) {
        TopicPartition partition = new TopicPartition(positionTopic, 0);
        try (var consumer = new KafkaConsumer<byte[], byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            PositionRecord newest = null;
            while (consumer.position(partition) < end) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (relayName.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                        newest = PositionRecord.parse(new String(record.value(), StandardCharsets.UTF_8));
                    }
                }
            }
            return newest;
        }
    }
}
