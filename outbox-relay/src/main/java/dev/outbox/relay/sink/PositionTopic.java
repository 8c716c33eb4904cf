package dev.outbox.relay.sink;

import dev.outbox.relay.state.PositionRecord;
import dev.outbox.relay.state.SlotHistory;
import dev.outbox.relay.state.SourceIdentity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The compacted topic where each relay keeps its record (key = relay name, value = {@link PositionRecord}): the source
 * it streams from, in both delivery modes, and in exactly-once mode the end LSN of the last source transaction whose
 * rows are all in Kafka. Exactly-once writes the record inside each Kafka transaction, read back
 * {@code read_committed}, so the position moves exactly when the rows do; the {@link SlotHistory} side (the slot
 * checks) writes it outside transactions, only while no transaction of this relay is open (at start and reconnect).
 */
public final class PositionTopic implements SlotHistory, AutoCloseable {

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    /** Records read back from the end first; each older window is four times the last. */
    private static final long FIRST_READ_WINDOW = 1_000;
    /**
     * Compaction only cleans closed segments, and Kafka's defaults close one at 1 GiB or after 7 days: exactly-once
     * relays, writing a record with every Kafka transaction, would keep up to that much of superseded records. Small
     * segments that roll every ten minutes keep the topic near one record per relay.
     */
    static final Map<String, String> TOPIC_CONFIG = Map.of(
            "cleanup.policy", "compact",
            "segment.ms", String.valueOf(Duration.ofMinutes(10).toMillis()),
            "segment.bytes", String.valueOf(16 * 1024 * 1024));

    private final KafkaClients clients;
    private final String topic;
    private final String relayName;
    /** The source of the record last read: every exactly-once position record carries it on. */
    private volatile SourceIdentity identity;
    /** The topic exists (found or created): no metadata lookup or create call is needed again. Guarded by this. */
    private boolean topicKnown;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Producer<byte[], byte[]> producer;

    public PositionTopic(KafkaClients clients, String topic, String relayName) {
        this.clients = clients;
        this.topic = topic;
        this.relayName = relayName;
    }

    /**
     * Creates the topic unless this instance has already seen it (a read found it, or it was created): the common
     * start, where the topic is there, costs no admin call.
     */
    synchronized void ensureExists() {
        if (!topicKnown) {
            create();
        }
    }

    private void create() {
        try {
            clients.sharedAdmin().createTopics(List.of(new NewTopic(topic, 1, (short) -1)
                    .configs(TOPIC_CONFIG))).all()
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the position topic " + topic
                        + " (OUTBOX_POSITION_TOPIC): " + e.getCause(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + clients.bootstrapServers() + " did not create or "
                    + "confirm the position topic " + topic + " within " + CALL_TIMEOUT.toSeconds()
                    + " s; check that the relay's Kafka principal may create and describe it", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        topicKnown = true;
    }

    /** Exactly-once: the position record of a Kafka transaction, with the source read at start. */
    ProducerRecord<byte[], byte[]> record(long endLsn) {
        return producerRecord(new PositionRecord(identity, endLsn, Instant.now()));
    }

    private ProducerRecord<byte[], byte[]> producerRecord(PositionRecord record) {
        return new ProducerRecord<>(topic, 0, relayName.getBytes(StandardCharsets.UTF_8),
                record.format().getBytes(StandardCharsets.UTF_8));
    }

    /** The newest committed position of this relay, or 0 when it has none. */
    long readCommitted() {
        return read().map(PositionRecord::position).orElse(0L);
    }

    /**
     * The newest record of this relay. Costs one metadata lookup the first time (a missing topic is created and read
     * as empty), then one end-offset lookup; the records are fetched only when the partition holds any, so an empty
     * or new topic is never polled for nothing.
     */
    @Override
    public synchronized Optional<PositionRecord> read() {
        try {
            return readNewest(consumer());
        } catch (RuntimeException e) {
            close(); // a refused login or an unreachable broker: the next attempt starts with fresh clients
            throw e;
        }
    }

    private Optional<PositionRecord> readNewest(KafkaConsumer<byte[], byte[]> consumer) {
        if (!topicKnown) {
            if (consumer.partitionsFor(topic, CALL_TIMEOUT).isEmpty()) {
                create();
                return Optional.empty();
            }
            topicKnown = true;
        }
        TopicPartition partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        long end = consumer.endOffsets(List.of(partition), CALL_TIMEOUT).get(partition);
        long first = end == 0 ? 0 : consumer.beginningOffsets(List.of(partition), CALL_TIMEOUT).get(partition);
        PositionRecord newest = null;
        long window = FIRST_READ_WINDOW;
        for (long windowEnd = end; newest == null && windowEnd > first; window *= 4) {
            long windowStart = Math.max(first, windowEnd - window);
            newest = newestBetween(consumer, partition, windowStart, windowEnd);
            windowEnd = windowStart;
        }
        if (newest != null && newest.identity() != null) {
            identity = newest.identity();
        }
        return Optional.ofNullable(newest);
    }

    /**
     * This relay's newest record at an offset in [from, to), or null. Offsets only grow, so the newest record of the
     * whole partition lies in the newest window that holds one: the read goes back from the end in growing windows
     * instead of reading from the beginning, where exactly-once relays write one record per Kafka transaction and
     * compaction only cleans closed segments.
     */
    private PositionRecord newestBetween(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition, long from,
            long to) {
        consumer.seek(partition, from);
        PositionRecord newest = null;
        while (consumer.position(partition, CALL_TIMEOUT) < to) {
            for (var record : consumer.poll(Duration.ofMillis(500))) {
                if (record.offset() < to && record.key() != null && record.value() != null
                        && relayName.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                    newest = PositionRecord.parse(new String(record.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return newest;
    }

    /**
     * Connects the consumer and looks the topic up ahead of a {@link #read()}, so a standby that takes over reads its
     * record at once; reads no record. Best effort: a failure is left to the read to report.
     */
    public synchronized void warmUp() {
        try {
            if (!topicKnown && !consumer().partitionsFor(topic, CALL_TIMEOUT).isEmpty()) {
                topicKnown = true;
            }
        } catch (RuntimeException e) {
            close();
        }
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        if (consumer == null) {
            consumer = clients.consumer("positions-" + relayName);
        }
        return consumer;
    }

    /** Outside any Kafka transaction: only while this relay has none open (its slot checks). */
    @Override
    public synchronized void write(PositionRecord record) {
        try {
            producer().send(producerRecord(record)).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (record.identity() != null) {
                identity = record.identity();
            }
        } catch (ExecutionException | TimeoutException e) {
            closeProducer();
            throw new IllegalStateException("cannot write relay " + relayName + "'s record to " + describe() + ": "
                    + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Kept between writes: a reconnect or a seen_at refresh does not connect and register a producer anew. */
    private Producer<byte[], byte[]> producer() {
        if (producer == null) {
            Map<String, Object> settings = clients.producerSettings("positions-" + relayName);
            settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
            settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis());
            // delivery.timeout.ms must cover linger.ms plus request.timeout.ms
            settings.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis() / 2);
            producer = clients.producer(settings);
        }
        return producer;
    }

    private void closeProducer() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    @Override
    public String describe() {
        return "Kafka topic " + topic + " (OUTBOX_POSITION_TOPIC)";
    }

    /** Closes the consumer and producer this instance keeps; a later call creates them and looks the topic up again. */
    @Override
    public synchronized void close() {
        topicKnown = false;
        closeProducer();
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(5));
            consumer = null;
        }
    }
}
