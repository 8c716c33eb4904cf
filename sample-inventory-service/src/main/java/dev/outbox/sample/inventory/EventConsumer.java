package dev.outbox.sample.inventory;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.outbox.OutboxHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The idempotent consumer loop: for each record, one database transaction holds the inbox row
 * ({@code processed_event}, {@code INSERT ... ON CONFLICT DO NOTHING}) and everything the handler writes, and the
 * Kafka offset is committed only after that transaction committed. A crash therefore replays records, and the
 * inbox turns the replay into a no-op.
 *
 * <p>A handler failure (database down, deadlock) stops the partition at that record and retries it after a
 * back-off, so nothing is skipped. Only a record that can never be applied (no event id, unreadable JSON) is
 * skipped, logged at ERROR with its coordinates.
 */
final class EventConsumer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventConsumer.class);

    interface Handler {
        void handle(DSLContext tx, InboundEvent event) throws Exception;
    }

    private final String consumerGroup;
    private final List<String> topics;
    private final DSLContext dsl;
    private final Handler handler;
    private final Duration retryBackoff;
    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    EventConsumer(String name, String bootstrapServers, String consumerGroup, List<String> topics, DSLContext dsl,
            Handler handler, Duration retryBackoff) {
        this.consumerGroup = consumerGroup;
        this.topics = List.copyOf(topics);
        this.dsl = dsl;
        this.handler = handler;
        this.retryBackoff = retryBackoff;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, consumerGroup);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, name);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // A new group must see the events published before it first started: they are the saga's input.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The relay may write in Kafka transactions; never act on an aborted batch.
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "200");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(props);
        this.thread = Thread.ofPlatform().name(name).unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        try {
            consumer.subscribe(topics);
            log.info("consumer group {} reading {}", consumerGroup, topics);
            while (running) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
                Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
                boolean failed = false;
                for (TopicPartition partition : records.partitions()) {
                    for (ConsumerRecord<String, String> record : records.records(partition)) {
                        if (!running || !apply(record)) {
                            // Re-read this record on the next poll; later records of the partition wait for it.
                            consumer.seek(partition, record.offset());
                            failed = true;
                            break;
                        }
                        done.put(partition, new OffsetAndMetadata(record.offset() + 1));
                    }
                }
                if (!done.isEmpty()) {
                    consumer.commitSync(done);
                }
                if (failed && running) {
                    Thread.sleep(retryBackoff);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("consumer group {} stopped on an unexpected error", consumerGroup, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** @return false when the record must be retried */
    private boolean apply(ConsumerRecord<String, String> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            if (header.value() != null) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        UUID eventId = eventId(headers);
        String type = headers.get(OutboxHeaders.KAFKA_CE_TYPE);
        if (eventId == null || type == null || record.value() == null) {
            log.error("skipping {}-{}@{}: no event id, ce_type header or value; it was not written by an outbox relay",
                    record.topic(), record.partition(), record.offset());
            return true;
        }
        InboundEvent event = new InboundEvent(eventId, type, record.topic(), record.partition(), record.offset(),
                record.key(), record.value(), headers);
        try {
            dsl.transaction(cfg -> {
                DSLContext tx = cfg.dsl();
                int fresh = tx.execute("""
                        INSERT INTO processed_event (consumer_group, event_id) VALUES (?, ?)
                        ON CONFLICT DO NOTHING""", consumerGroup, eventId);
                if (fresh == 1) {
                    handler.handle(tx, event);
                } else {
                    log.debug("duplicate {} {} ignored", type, eventId);
                }
            });
            return true;
        } catch (RuntimeException e) {
            if (unreadable(e)) {
                log.error("skipping {} {} at {}-{}@{}: its payload cannot be read", type, eventId, record.topic(),
                        record.partition(), record.offset(), e);
                return true;
            }
            log.warn("{} {} at {}-{}@{} failed; retrying in {}", type, eventId, record.topic(), record.partition(),
                    record.offset(), retryBackoff, e);
            return false;
        }
    }

    private static UUID eventId(Map<String, String> headers) {
        String raw = headers.getOrDefault(OutboxHeaders.KAFKA_ID, headers.get(OutboxHeaders.KAFKA_CE_ID));
        try {
            return raw == null ? null : UUID.fromString(raw);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A payload that does not parse will not parse on a retry either. */
    private static boolean unreadable(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof JsonProcessingException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
