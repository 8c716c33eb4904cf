package dev.outbox.bench;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A polling relay written the way a careful team would: claim a batch with SELECT ... FOR UPDATE SKIP LOCKED in
 * created_at order (the library's outbox_created_at_idx serves the ORDER BY ... LIMIT), publish it
 * with an idempotent acks=all producer, wait for every ack, delete the batch and commit. A crash between the acks
 * and the commit re-publishes the batch (at-least-once), the usual contract of a polling relay.
 */
final class PollingRelay {

    private final ContenderMain.ChildSettings settings;

    PollingRelay(ContenderMain.ChildSettings settings) {
        this.settings = settings;
    }

    static Properties producerProperties(String bootstrap, boolean tuned) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        if (tuned) {
            p.put("linger.ms", "5");
            p.put("batch.size", "262144");
            p.put("compression.type", "lz4");
            p.put("buffer.memory", "134217728");
        }
        return p;
    }

    void run() throws Exception {
        int batchSize = settings.getInt("batchSize");
        long pollMillis = settings.getLong("pollMillis");
        Properties db = new Properties();
        db.put("user", settings.get("dbUser"));
        db.put("password", settings.get("dbPassword"));
        db.put("ApplicationName", "bench-polling");
        try (Connection connection = DriverManager.getConnection(settings.get("dbUrl"), db);
                KafkaProducer<byte[], byte[]> producer =
                        new KafkaProducer<>(producerProperties(settings.get("bootstrap"), true))) {
            connection.setAutoCommit(false);
            PreparedStatement select = connection.prepareStatement(
                    "SELECT id, aggregatetype, aggregateid, type, payload::text, headers::text FROM outbox "
                            + "ORDER BY created_at LIMIT ? FOR UPDATE SKIP LOCKED");
            PreparedStatement delete = connection.prepareStatement("DELETE FROM outbox WHERE id = ANY(?)");
            select.setInt(1, batchSize);
            List<Future<RecordMetadata>> acks = new ArrayList<>(batchSize);
            List<UUID> ids = new ArrayList<>(batchSize);
            while (!Thread.currentThread().isInterrupted()) {
                acks.clear();
                ids.clear();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        UUID id = rows.getObject(1, UUID.class);
                        ids.add(id);
                        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                                "outbox.event." + rows.getString(2),
                                rows.getString(3).getBytes(StandardCharsets.UTF_8),
                                rows.getString(5).getBytes(StandardCharsets.UTF_8));
                        record.headers().add("id", id.toString().getBytes(StandardCharsets.UTF_8));
                        record.headers().add("type", rows.getString(4).getBytes(StandardCharsets.UTF_8));
                        acks.add(producer.send(record));
                    }
                }
                if (ids.isEmpty()) {
                    connection.commit();
                    Thread.sleep(pollMillis);
                    continue;
                }
                producer.flush();
                for (Future<RecordMetadata> ack : acks) {
                    ack.get(); // a failed send throws here: the batch is rolled back and claimed again
                }
                delete.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
                delete.executeUpdate();
                connection.commit();
            }
        }
    }
}
