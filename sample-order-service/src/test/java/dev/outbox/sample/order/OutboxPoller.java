package dev.outbox.sample.order;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Test stand-in for the relay, so these tests do not depend on outbox-relay: it moves committed outbox rows to Kafka
 * with the relay's record contract (topic {@code <prefix><aggregatetype>}, key aggregateid, value payload, headers
 * {@code id}, {@code ce_type} and every entry of {@code headers}), then deletes them. Rows are read in id order
 * (UUIDv7: insert order), which is commit order per aggregate because the services serialize a saga's transactions.
 * With {@code duplicates} every record is sent twice, to exercise the consumers' inbox. With {@code keepRows} sent rows
 * stay in the outbox, as with the real relay until retention deletes them (the saga status reads their headers); a
 * side table remembers which (id, created_at) went out, so that a row deleted and written again (a replay) is sent.
 */
final class OutboxPoller implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataSource dataSource;
    private final String topicPrefix;
    private final boolean duplicates;
    private final boolean keepRows;
    private final KafkaProducer<String, String> producer;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final Object pollLock = new Object();
    // Read and written only while holding pollLock.
    private boolean paused;
    private final AtomicLong sent = new AtomicLong();

    OutboxPoller(DataSource dataSource, String bootstrapServers, String topicPrefix, boolean duplicates) {
        this(dataSource, bootstrapServers, topicPrefix, duplicates, false);
    }

    OutboxPoller(DataSource dataSource, String bootstrapServers, String topicPrefix, boolean duplicates,
                 boolean keepRows) {
        this.dataSource = dataSource;
        this.topicPrefix = topicPrefix;
        this.duplicates = duplicates;
        this.keepRows = keepRows;
        if (keepRows) {
            try (Connection connection = dataSource.getConnection();
                    PreparedStatement create = connection.prepareStatement("""
                            CREATE TABLE IF NOT EXISTS outbox_poller_sent (
                              id uuid, created_at timestamptz, PRIMARY KEY (id, created_at))""")) {
                create.execute();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        this.producer = new KafkaProducer<>(props);
        scheduler.scheduleWithFixedDelay(this::pollQuietly, 0, 20, TimeUnit.MILLISECONDS);
    }

    /**
     * While paused, rows stay in the outbox (like a relay that is down). Pausing waits for a poll under way, so that
     * nothing committed after this returns is sent: a poll that had read the flag before could otherwise still select
     * the rows a test commits right after pausing (a window that grows under load: each poll opens its connection).
     */
    void pause(boolean pause) {
        synchronized (pollLock) {
            paused = pause;
        }
    }

    long sent() {
        return sent.get();
    }

    private void pollQuietly() {
        synchronized (pollLock) {
            if (paused) {
                return;
            }
            try {
                pollOnce();
            } catch (Exception e) {
                // A failed batch stays in the table and is sent again by the next poll: at least once, like the relay.
                org.slf4j.LoggerFactory.getLogger(OutboxPoller.class).warn("outbox poll failed", e);
            }
        }
    }

    private void pollOnce() throws SQLException, InterruptedException, ExecutionException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            List<UUID> ids = new ArrayList<>();
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            String unsent = keepRows
                    ? "WHERE NOT EXISTS (SELECT 1 FROM outbox_poller_sent s WHERE s.id = o.id AND s.created_at = o.created_at)"
                    : "";
            try (PreparedStatement select = connection.prepareStatement("""
                    SELECT id, aggregatetype, aggregateid, type, payload::text, headers::text FROM outbox o
                    %s ORDER BY id LIMIT 200 FOR UPDATE SKIP LOCKED""".formatted(unsent));
                    ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    UUID id = rows.getObject(1, UUID.class);
                    ProducerRecord<String, String> record = new ProducerRecord<>(topicPrefix + rows.getString(2),
                            rows.getString(3), rows.getString(5));
                    record.headers().add("id", id.toString().getBytes(StandardCharsets.UTF_8));
                    record.headers().add("ce_type", rows.getString(4).getBytes(StandardCharsets.UTF_8));
                    Map<String, String> headers = JSON.readValue(rows.getString(6), new TypeReference<>() { });
                    headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
                    acks.add(producer.send(record));
                    if (duplicates) {
                        acks.add(producer.send(record));
                    }
                    ids.add(id);
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("outbox headers are not a JSON object of strings", e);
            }
            if (ids.isEmpty()) {
                connection.rollback();
                return;
            }
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
            String done = keepRows
                    ? "INSERT INTO outbox_poller_sent SELECT id, created_at FROM outbox WHERE id = ANY(?)"
                    : "DELETE FROM outbox WHERE id = ANY(?)";
            try (PreparedStatement delete = connection.prepareStatement(done)) {
                delete.setArray(1, connection.createArrayOf("uuid", ids.toArray()));
                delete.executeUpdate();
            }
            connection.commit();
            sent.addAndGet(acks.size());
        }
    }

    @Override
    public void close() {
        scheduler.shutdown();
        try {
            scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close();
    }
}
