package dev.outbox.relay.sink;

import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Routing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends routed rows with one idempotent producer (acks=all) and returns only when Kafka has acknowledged every
 * one of them, in order. A broker that is down is waited for (the producer retries without a deadline, sends that
 * cannot get metadata are retried with backoff): nothing is skipped and the caller confirms nothing early. A row
 * Kafka refuses for good (topic name, size) goes to the dead-letter topic with the reason in its headers.
 */
public final class KafkaSink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaSink.class);
    private static final Duration ACK_PATIENCE = Duration.ofSeconds(5);

    /** Listens to what the sink does; the relay turns it into metrics and health. */
    public interface Listener {
        void delivered(Routing.Deliver routed, RecordMetadata metadata);

        void deadLettered(Routing.DeadLetter deadLetter);

        void kafkaAvailable(boolean available);

        /** Exactly-once: a Kafka transaction committed; {@code commitLatency} is the commit call alone. */
        void transactionCommitted(Duration commitLatency);

        /** Exactly-once: a Kafka transaction was aborted (the relay then exits and resumes from Kafka's position). */
        void transactionAborted();

        /** The sink still waits for Kafka (a wait it knows about); called at least every few seconds meanwhile. */
        void waiting();

        /** {@code rows} rows are in Kafka as one batch: a committed Kafka transaction, or rows confirmed together. */
        void batch(int rows);
    }

    private final Producer<byte[], byte[]> producer;
    private final String dlqTopic;
    private final Listener listener;
    private final PositionTopic positions;
    private final java.util.Set<String> knownTopics = new java.util.HashSet<>();

    KafkaSink(Producer<byte[], byte[]> producer, String dlqTopic, Listener listener, PositionTopic positions) {
        this.producer = producer;
        this.dlqTopic = dlqTopic;
        this.listener = listener;
        this.positions = positions;
    }

    /** At-least-once: an idempotent producer; the caller confirms the slot after {@link #awaitAcknowledged}. */
    public static KafkaSink create(String bootstrapServers, String clientId, Map<String, String> overrides,
            String dlqTopic, Listener listener) {
        return new KafkaSink(new KafkaProducer<>(producerSettings(bootstrapServers, clientId, overrides),
                new ByteArraySerializer(), new ByteArraySerializer()), dlqTopic, listener, null);
    }

    /**
     * Exactly-once: a transactional producer ({@code transactional.id} from the relay name); each batch and the
     * source position it reaches are committed in one Kafka transaction. {@link #initTransactions()} first.
     */
    public static KafkaSink createTransactional(String bootstrapServers, String relayName,
            Map<String, String> overrides, String dlqTopic, String positionTopic, Listener listener) {
        Map<String, Object> settings = producerSettings(bootstrapServers, "outbox-relay-" + relayName, overrides);
        settings.putIfAbsent(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "outbox-relay-" + relayName);
        settings.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        return new KafkaSink(new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer()),
                dlqTopic, listener, new PositionTopic(bootstrapServers, positionTopic, relayName));
    }

    public boolean transactional() {
        return positions != null;
    }

    /**
     * Fences any older producer of this relay name (aborting its open transaction) and returns the source position
     * committed in Kafka: the end LSN of the last transaction whose rows are all in Kafka, or 0.
     */
    public long initTransactions() {
        positions.ensureExists();
        producer.initTransactions();
        return positions.readCommitted();
    }

    /**
     * Exactly-once: the rows and the position record {@code endLsn} in one Kafka transaction. Any failure (fenced
     * by a newer instance, a refused record, a failed commit) is fatal: the process must exit and restart.
     *
     * @param hook its {@link CommitHook#beforeCommit} runs after every record is sent, right before the commit
     */
    public void sendTransaction(List<Routing> batch, long endLsn, CommitHook hook) {
        boolean committing = false;
        try {
            producer.beginTransaction();
            List<Future<RecordMetadata>> futures = new ArrayList<>(batch.size());
            for (Routing routing : batch) {
                futures.add(producer.send(recordOf(routing)));
            }
            producer.send(positions.record(endLsn));
            hook.beforeCommit(batch.size());
            long commitStart = System.nanoTime();
            committing = true;
            producer.commitTransaction();
            listener.transactionCommitted(Duration.ofNanos(System.nanoTime() - commitStart));
            for (int i = 0; i < batch.size(); i++) {
                reportAcknowledged(batch.get(i), futures.get(i).get());
            }
            listener.kafkaAvailable(true);
        } catch (org.apache.kafka.common.errors.ProducerFencedException
                 | org.apache.kafka.common.errors.InvalidProducerEpochException
                 | org.apache.kafka.common.errors.InvalidTxnStateException e) {
            // With transaction protocol v2 a newer instance's initTransactions() can surface here as an invalid
            // transaction state rather than as ProducerFencedException: the same situation, the same exit.
            throw new FencedException("another relay named like this one started and fenced this one ("
                    + e.getClass().getSimpleName() + "); exiting so that only the newer one runs", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a record of a committed transaction has no metadata: " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted inside a Kafka transaction", e);
        } catch (org.apache.kafka.common.KafkaException e) {
            try {
                producer.abortTransaction();
                listener.transactionAborted();
            } catch (RuntimeException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            // Kafka 4.3's coordinator fails a commit that races with a newer producer's fencing with an internal
            // error (UNKNOWN_SERVER_ERROR) instead of PRODUCER_FENCED, so a fence can look like this too.
            throw new IllegalStateException("Kafka transaction failed and was aborted (" + e + "); exiting to "
                    + "restart from the committed position" + (committing ? ". The broker failed the commit: if "
                    + "another relay named like this one has just started, Kafka may report its fencing this way; "
                    + "otherwise see the broker's log" : ""), e);
        }
    }

    /**
     * A record failed for a reason that may pass (e.g. metadata not there in time). Retrying that one record would
     * break the order, so the caller restarts from the slot's confirmed position instead: nothing after it was
     * confirmed, so PostgreSQL sends it all again, in order (at-least-once duplicates, no loss).
     */
    public static final class RetryFromSlotException extends RuntimeException {
        RetryFromSlotException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The relay was fenced by a newer instance with the same transactional id. */
    public static final class FencedException extends RuntimeException {
        FencedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The producer's settings: our defaults, then the user's OUTBOX_KAFKA_* overrides. */
    public static Map<String, Object> producerSettings(String bootstrapServers, String clientId,
            Map<String, String> overrides) {
        Map<String, Object> settings = new HashMap<>();
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        settings.put(ProducerConfig.ACKS_CONFIG, "all");
        settings.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // One request in flight: rows are sent while earlier ones await acks, so with more, a later batch of a
        // partition whose leader is still settling (a new topic) can be appended before the first one, whose retry
        // then fails with OUT_OF_ORDER_SEQUENCE_NUMBER forever (delivery never times out). One request still
        // carries every partition's batch.
        settings.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        // Never give up on a record: a broker outage is waited out, not turned into a loss or a skip.
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        settings.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        settings.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        settings.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        settings.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        settings.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        settings.putAll(overrides);
        return settings;
    }

    /** The producer's max.request.size, which the router uses to dead-letter oversize rows. */
    public static int maxRequestSize(Map<String, String> overrides) {
        String value = overrides.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        return value == null ? 1024 * 1024 : Integer.parseInt(value);
    }

    /**
     * Hands one routing to the producer without waiting for Kafka (a dead letter goes to the dead-letter topic).
     * Blocks only while Kafka has no metadata for the topic. The caller must pass the returned future to
     * {@link #awaitAcknowledged} in send order before it confirms anything past this row.
     */
    public Future<RecordMetadata> send(Routing routing) throws InterruptedException {
        return sendWithRetry(recordOf(routing));
    }

    /** The Kafka record of a routing: the row's own record, or its dead letter. */
    private ProducerRecord<byte[], byte[]> recordOf(Routing routing) {
        return switch (routing) {
            case Routing.Deliver deliver -> deliver.record();
            case Routing.DeadLetter dead -> deadLetterRecord(dead);
        };
    }

    private void reportAcknowledged(Routing routing, RecordMetadata metadata) {
        switch (routing) {
            case Routing.Deliver deliver -> listener.delivered(deliver, metadata);
            case Routing.DeadLetter dead -> listener.deadLettered(dead);
        }
    }

    /**
     * Waits for Kafka's answer to a row sent with {@link #send} and accounts for it: delivered, or dead-lettered
     * when Kafka refuses it for good (size, topic name). A retriable failure throws
     * {@link RetryFromSlotException}: the rows sent after it cannot be retried in order, so the caller must re-read
     * from the slot's confirmed position.
     */
    public void awaitAcknowledged(Routing routing, Future<RecordMetadata> ack) throws InterruptedException {
        RecordMetadata metadata;
        try {
            metadata = awaitAck(ack);
        } catch (ExecutionException e) {
            if (routing instanceof Routing.Deliver deliver && isPermanentRefusal(e.getCause())) {
                Routing.DeadLetter dead = new Routing.DeadLetter(deliver.row(),
                        "Kafka refused the record: " + e.getCause().getMessage(), e.getCause().getClass().getName());
                waitFor(sendWithRetry(deadLetterRecord(dead)));
                listener.deadLettered(dead);
                return;
            }
            if (e.getCause() instanceof org.apache.kafka.common.errors.RetriableException) {
                throw new RetryFromSlotException("Kafka did not accept outbox row " + routing.row().id()
                        + " for now (" + e.getCause() + ")", e.getCause());
            }
            throw new IllegalStateException("Kafka did not accept outbox row " + routing.row().id() + ": "
                    + e.getCause(), e.getCause());
        }
        reportAcknowledged(routing, metadata);
        listener.kafkaAvailable(true);
    }

    /** How long an acknowledgement may take before Kafka counts as unavailable (health DOWN). */
    public static Duration ackPatience() {
        return ACK_PATIENCE;
    }

    /** An acknowledgement is overdue by {@link #ackPatience()}: report Kafka unavailable until the next one. */
    public void acknowledgementOverdue() {
        listener.kafkaAvailable(false);
        log.warn("no acknowledgement from Kafka for {} s; still waiting, the slot is not confirmed meanwhile",
                ACK_PATIENCE.toSeconds());
    }

    /** Waits as long as it takes; after a few seconds without an answer, reports Kafka unavailable (health DOWN). */
    private RecordMetadata awaitAck(Future<RecordMetadata> future) throws ExecutionException, InterruptedException {
        while (true) {
            try {
                return future.get(ACK_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                listener.waiting();
                listener.kafkaAvailable(false);
                log.warn("no acknowledgement from Kafka for {} s; still waiting, the slot is not confirmed meanwhile",
                        ACK_PATIENCE.toSeconds());
            }
        }
    }

    private static boolean isPermanentRefusal(Throwable cause) {
        return cause instanceof RecordTooLargeException || cause instanceof InvalidTopicException;
    }

    private void waitFor(Future<RecordMetadata> future) throws InterruptedException {
        try {
            awaitAck(future);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka did not accept a dead letter: " + e.getCause(), e.getCause());
        }
    }

    /** send() blocks up to max.block.ms for metadata when no broker answers; then back off and try again. */
    private Future<RecordMetadata> sendWithRetry(ProducerRecord<byte[], byte[]> record) throws InterruptedException {
        long backoff = 100;
        while (true) {
            try {
                // A topic seen for the first time (auto-created, or a broker just back) may take longer than
                // max.block.ms to appear in the metadata; send() would then fail the record's future, which cannot
                // be retried in order. Wait for the metadata here instead, where a retry keeps the order.
                if (!knownTopics.contains(record.topic())) {
                    producer.partitionsFor(record.topic());
                    knownTopics.add(record.topic());
                }
                return producer.send(record);
            } catch (TimeoutException e) {
                listener.waiting();
                listener.kafkaAvailable(false);
                log.warn("Kafka unavailable ({}); retrying in {} ms, nothing is skipped", e.getMessage(), backoff);
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /** The row's metadata and the reason; the payload too unless the row was refused for its size. */
    ProducerRecord<byte[], byte[]> deadLetterRecord(Routing.DeadLetter dead) {
        OutboxRow row = dead.row();
        RecordHeaders headers = new RecordHeaders();
        add(headers, "id", row.id());
        add(headers, "dlq_reason", dead.reason());
        add(headers, "dlq_exception_class", dead.exceptionClass());
        add(headers, "dlq_outbox_id", row.id());
        add(headers, "dlq_aggregatetype", row.aggregateType());
        add(headers, "dlq_aggregateid", row.aggregateId());
        add(headers, "dlq_type", row.type());
        add(headers, "dlq_source_lsn", row.commitLsnText());
        add(headers, "dlq_source_xid", Integer.toUnsignedString(row.xid()));
        boolean oversize = dead.exceptionClass().endsWith("RecordTooLargeException");
        byte[] value = oversize || row.payload() == null ? null : row.payload().getBytes(StandardCharsets.UTF_8);
        byte[] key = row.aggregateId() == null ? null : row.aggregateId().getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(dlqTopic, null, key, value, headers);
    }

    private static void add(RecordHeaders headers, String key, String value) {
        headers.add(key, value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
        if (positions != null) {
            positions.close();
        }
    }
}
