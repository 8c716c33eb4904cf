package dev.outbox.relay.sink;

import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Routing;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
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

        /** The sink's producer exists (the relay binds its metrics); called once, before anything is sent. */
        default void producerCreated(Producer<?, ?> producer) {
        }

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
    /** Permanent refusals the producer reported for the open streamed transaction (from its I/O thread). */
    private final java.util.Queue<RefusedRow> refusals = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private Duration transactionTimeout = Duration.ofMinutes(1);

    KafkaSink(Producer<byte[], byte[]> producer, String dlqTopic, Listener listener, PositionTopic positions) {
        this.producer = producer;
        this.dlqTopic = dlqTopic;
        this.listener = listener;
        this.positions = positions;
        listener.producerCreated(producer);
    }

    /** At-least-once: an idempotent producer; the caller confirms the slot after {@link #awaitAcknowledged}. */
    public static KafkaSink create(String bootstrapServers, String clientId, Map<String, String> overrides,
            String dlqTopic, Listener listener) {
        KafkaClients clients = new KafkaClients(bootstrapServers, overrides);
        return new KafkaSink(clients.producer(clients.producerSettings(clientId)), dlqTopic, listener, null);
    }

    /**
     * Exactly-once: a transactional producer ({@code transactional.id} from the relay name); each batch and the
     * source position it reaches are committed in one Kafka transaction. {@link #initTransactions()} first.
     */
    public static KafkaSink createTransactional(String bootstrapServers, String relayName,
            Map<String, String> overrides, String dlqTopic, String positionTopic, Listener listener) {
        KafkaClients clients = new KafkaClients(bootstrapServers, overrides);
        return createTransactional(clients, new PositionTopic(clients, positionTopic, relayName), relayName, dlqTopic,
                listener);
    }

    /** As above, sharing the relay's clients and position topic (already read by the slot checks). */
    public static KafkaSink createTransactional(KafkaClients clients, PositionTopic positions, String relayName,
            String dlqTopic, Listener listener) {
        Map<String, Object> settings = clients.producerSettings("outbox-relay-" + relayName);
        settings.putIfAbsent(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "outbox-relay-" + relayName);
        settings.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        KafkaSink sink = new KafkaSink(clients.producer(settings), dlqTopic, listener, positions);
        sink.transactionTimeout = Duration.ofMillis(Long.parseLong(
                settings.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG).toString()));
        return sink;
    }

    /** The producer's transaction.timeout.ms: how long one Kafka transaction may stay open before Kafka aborts it. */
    public Duration transactionTimeout() {
        return transactionTimeout;
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
     * Exactly-once: the rows and the position record {@code endLsn} in one Kafka transaction. A row Kafka refuses for
     * good (size, topic) becomes a dead letter: the transaction is aborted and sent again with the dead letter in the
     * row's place. Any other failure (fenced by a newer instance, a failed commit) is fatal: the process must exit
     * and restart.
     *
     * @param hook its {@link CommitHook#beforeCommit} runs after every record is sent, right before the commit
     */
    public void sendTransaction(List<Routing> batch, long endLsn, CommitHook hook) {
        List<Routing> rows = batch;
        while (rows != null) {
            rows = commitOrDeadLetter(rows, endLsn, hook);
        }
    }

    /** Commits the transaction and returns {@code null}, or returns the rows again with the refused ones replaced. */
    private List<Routing> commitOrDeadLetter(List<Routing> batch, long endLsn, CommitHook hook) {
        boolean committing = false;
        List<Future<RecordMetadata>> futures = new ArrayList<>(batch.size());
        try {
            for (Routing routing : batch) {
                awaitMetadata(topicOf(routing));
            }
            producer.beginTransaction();
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
            return null;
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
            abort(e);
            List<Routing> deadLettered = withRefusedRowsDeadLettered(batch, futures);
            if (deadLettered != null) {
                log.warn("Kafka refused a record of the transaction up to {}; sending it again with the refused rows "
                        + "as dead letters", endLsn);
                return deadLettered;
            }
            // Kafka 4.3's coordinator fails a commit that races with a newer producer's fencing with an internal
            // error (UNKNOWN_SERVER_ERROR) instead of PRODUCER_FENCED, so a fence can look like this too.
            throw new IllegalStateException("Kafka transaction failed and was aborted (" + e + "); exiting to "
                    + "restart from the committed position" + (committing ? ". The broker failed the commit: if "
                    + "another relay named like this one has just started, Kafka may report its fencing this way; "
                    + "otherwise see the broker's log" : ""), e);
        }
    }

    /** Exactly-once, streamed: opens the Kafka transaction that the next {@link #sendStreamed} rows go into. */
    public void beginStreamedTransaction() {
        refusals.clear();
        try {
            producer.beginTransaction();
        } catch (org.apache.kafka.common.KafkaException e) {
            throw transactionFailed(e, false);
        }
    }

    /**
     * Hands one row to the open streamed transaction without waiting for Kafka. A row Kafka refuses for good makes
     * {@link #commitStreamed} fail with {@link RowsRefusedException}.
     */
    public void sendStreamed(Routing routing) throws InterruptedException {
        ProducerRecord<byte[], byte[]> record = recordOf(routing);
        awaitMetadata(record.topic());
        try {
            producer.send(record, (metadata, exception) -> {
                if (exception == null) {
                    reportAcknowledged(routing, metadata);
                } else if (isPermanentRefusal(exception)) {
                    refusals.add(new RefusedRow(routing.row().id(), exception, record.topic(), sizeOf(record)));
                }
            });
        } catch (org.apache.kafka.common.KafkaException e) {
            throw transactionFailed(e, false);
        }
        if (!refusals.isEmpty()) {
            throw transactionFailed(new org.apache.kafka.common.KafkaException("Kafka refused a record"), false);
        }
    }

    /**
     * Waits until Kafka has answered every row sent into the open streamed transaction, so that what the producer and
     * its callbacks hold stays bounded; a refusal among them fails as in {@link #sendStreamed}.
     */
    public void flushStreamed() {
        try {
            producer.flush();
        } catch (org.apache.kafka.common.KafkaException e) {
            throw transactionFailed(e, false);
        }
        if (!refusals.isEmpty()) {
            throw transactionFailed(new org.apache.kafka.common.KafkaException("Kafka refused a record"), false);
        }
    }

    /**
     * Commits the open streamed transaction with the position record {@code endLsn}. When Kafka refused rows of it
     * for good, aborts it and throws {@link RowsRefusedException}; any other failure is fatal, as in
     * {@link #sendTransaction}.
     */
    public void commitStreamed(long endLsn, int rows, CommitHook hook) {
        boolean committing = false;
        try {
            producer.send(positions.record(endLsn));
            hook.beforeCommit(rows);
            long commitStart = System.nanoTime();
            committing = true;
            producer.commitTransaction();
            listener.transactionCommitted(Duration.ofNanos(System.nanoTime() - commitStart));
            listener.kafkaAvailable(true);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw transactionFailed(e, committing);
        }
    }

    /** Aborts the open streamed transaction (the relay stops or re-reads from the slot). */
    public void abortStreamed(RuntimeException reason) {
        if (reason instanceof org.apache.kafka.common.KafkaException kafka) {
            abort(kafka);
        } else {
            abort(new org.apache.kafka.common.KafkaException(reason));
        }
    }

    /** Fenced, refused rows (after aborting), or a fatal failure (after aborting). */
    private RuntimeException transactionFailed(org.apache.kafka.common.KafkaException e, boolean committing) {
        if (e instanceof org.apache.kafka.common.errors.ProducerFencedException
                || e instanceof org.apache.kafka.common.errors.InvalidProducerEpochException
                || e instanceof org.apache.kafka.common.errors.InvalidTxnStateException) {
            return new FencedException("another relay named like this one started and fenced this one ("
                    + e.getClass().getSimpleName() + "); exiting so that only the newer one runs", e);
        }
        abort(e);
        if (!refusals.isEmpty()) {
            List<RefusedRow> refused = List.of(culprit(List.copyOf(refusals)));
            refusals.clear();
            return new RowsRefusedException(refused, e);
        }
        return new IllegalStateException("Kafka transaction failed and was aborted (" + e + "); exiting to "
                + "restart from the committed position" + (committing ? ". The broker failed the commit: if "
                + "another relay named like this one has just started, Kafka may report its fencing this way; "
                + "otherwise see the broker's log" : ""), e);
    }

    /**
     * The one refusal of a failed transaction to charge to its row. Once a record fails, the producer fails the
     * transaction's records still waiting with that same exception, and the broker refuses a whole batch for its
     * size: only the first refusal is surely a row's own, and of the rows refused with it on its topic, the largest
     * is the one a size limit refused. The others are sent again as they were; each round charges one row.
     */
    static RefusedRow culprit(List<RefusedRow> refusals) {
        RefusedRow first = refusals.getFirst();
        RefusedRow culprit = first;
        for (RefusedRow row : refusals) {
            if (row.cause() == first.cause() && row.topic().equals(first.topic()) && row.size() > culprit.size()) {
                culprit = row;
            }
        }
        return culprit;
    }

    /** About the bytes a record takes in a batch: key, value and headers. */
    private static int sizeOf(ProducerRecord<byte[], byte[]> record) {
        int size = (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
        for (var header : record.headers()) {
            size += header.key().length() + (header.value() == null ? 0 : header.value().length);
        }
        return size;
    }

    /** A row (by outbox id) Kafka refused for good in a streamed transaction, why, and its record's topic and size. */
    public record RefusedRow(String id, Throwable cause, String topic, int size) {
    }

    /**
     * Kafka refused rows of a streamed transaction for good; the transaction is aborted. The rows are no longer held,
     * so the caller re-reads them from the slot and sends each refused one as its dead letter.
     */
    public static final class RowsRefusedException extends RuntimeException {
        private final List<RefusedRow> refused;

        RowsRefusedException(List<RefusedRow> refused, Throwable cause) {
            super("Kafka refused " + refused.size() + " record(s) of the open transaction", cause);
            this.refused = refused;
        }

        public List<RefusedRow> refused() {
            return refused;
        }
    }

    private void abort(org.apache.kafka.common.KafkaException failure) {
        try {
            producer.abortTransaction();
            listener.transactionAborted();
        } catch (RuntimeException abortFailed) {
            failure.addSuppressed(abortFailed);
        }
    }

    /** The rows with each one Kafka refused for good replaced by its dead letter; {@code null} when none was. */
    private static List<Routing> withRefusedRowsDeadLettered(List<Routing> batch,
            List<Future<RecordMetadata>> futures) {
        List<Routing> replaced = null;
        for (int i = 0; i < futures.size(); i++) {
            Routing.DeadLetter dead = deadLetterOf(batch.get(i), refusal(futures.get(i)));
            if (dead != null) {
                replaced = replaced == null ? new ArrayList<>(batch) : replaced;
                replaced.set(i, dead);
            }
        }
        return replaced;
    }

    /** Why a finished send failed, or {@code null} if it did not (or has not finished). */
    private static Throwable refusal(Future<RecordMetadata> future) {
        if (!future.isDone()) {
            return null;
        }
        try {
            future.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * What to send instead of a routing Kafka refused with {@code cause}: a row refused for good (size, topic) becomes
     * a dead letter; a dead letter refused for its size is sent once more with its payload (the broker refuses a
     * whole producer batch, so a big dead letter beside it may have been the cause), and after a second refusal
     * becomes one with the row's metadata only; {@code null} when nothing can replace it (not a permanent refusal, or
     * even the metadata-only dead letter was refused).
     */
    static Routing.DeadLetter deadLetterOf(Routing refused, Throwable cause) {
        if (!isPermanentRefusal(cause)) {
            return null;
        }
        return switch (refused) {
            case Routing.Deliver deliver -> new Routing.DeadLetter(deliver.row(),
                    "Kafka refused the record: " + cause.getMessage(), cause.getClass().getName());
            case Routing.DeadLetter dead when cause instanceof RecordTooLargeException && !metadataOnly(dead)
                    && !dead.payloadRefusedOnce() ->
                    new Routing.DeadLetter(dead.row(), dead.reason(), dead.exceptionClass(), true);
            case Routing.DeadLetter dead when cause instanceof RecordTooLargeException && !metadataOnly(dead) ->
                    new Routing.DeadLetter(dead.row(), dead.reason() + "; the dead letter with the payload was "
                            + "refused too (" + cause.getMessage() + "), so this one carries the metadata only",
                            RecordTooLargeException.class.getName());
            case Routing.DeadLetter dead -> null;
        };
    }

    /** A dead letter of a row refused for its size carries the row's metadata only, not its payload. */
    private static boolean metadataOnly(Routing.DeadLetter dead) {
        return dead.exceptionClass().endsWith("RecordTooLargeException");
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

        /**
         * Kafka answered, refusing rows for good (exactly-once: the transaction is read again with them as dead
         * letters): not an outage.
         */
        public boolean rowsRefused() {
            return getCause() instanceof RowsRefusedException;
        }
    }

    /** The relay was fenced by a newer instance with the same transactional id. */
    public static final class FencedException extends RuntimeException {
        FencedException(String message, Throwable cause) {
            super(message, cause);
        }
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
            Routing.DeadLetter dead = deadLetterOf(routing, e.getCause());
            if (dead != null) {
                awaitAcknowledged(dead, sendWithRetry(deadLetterRecord(dead)));
                return;
            }
            if (e.getCause() instanceof org.apache.kafka.common.errors.RetriableException) {
                throw new RetryFromSlotException("Kafka did not accept outbox row " + routing.row().id()
                        + " for now (" + e.getCause() + ")", e.getCause());
            }
            throw new IllegalStateException(refusedFatally(routing, e.getCause()), e.getCause());
        }
        reportAcknowledged(routing, metadata);
        listener.kafkaAvailable(true);
    }

    String refusedFatally(Routing routing, Throwable cause) {
        if (routing instanceof Routing.DeadLetter) {
            return "Kafka refused even the metadata-only dead letter of outbox row " + routing.row().id() + " on "
                    + dlqTopic + " (OUTBOX_DLQ_TOPIC): " + cause + ". Check that the topic exists, accepts records of "
                    + "a few KB (max.message.bytes) and that the relay may write to it";
        }
        return "Kafka did not accept outbox row " + routing.row().id() + ": " + cause;
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

    /**
     * Hands a record to the producer once its topic's metadata is there (see {@link #awaitMetadata}); send() blocks up
     * to max.block.ms when the producer's buffer is full, then this backs off and tries again.
     */
    private Future<RecordMetadata> sendWithRetry(ProducerRecord<byte[], byte[]> record) throws InterruptedException {
        long backoff = 100;
        while (true) {
            awaitMetadata(record.topic());
            try {
                return producer.send(record);
            } catch (TimeoutException e) {
                backoff = retryLater("Kafka unavailable (" + e.getMessage() + ")", backoff);
            }
        }
    }

    /**
     * Waits until Kafka knows {@code topic}. A topic seen for the first time (auto-created, or a broker just back) may
     * take longer than max.block.ms to appear in the metadata; send() would then fail the record's future, which
     * cannot be retried in order. Waiting here keeps the order. A topic that does not exist (and is not created) or
     * that the relay may not write to is a deployment problem: not ready, a line naming the topic and the fix, and
     * retried until fixed.
     */
    private void awaitMetadata(String topic) throws InterruptedException {
        long backoff = 100;
        while (!knownTopics.contains(topic)) {
            try {
                producer.partitionsFor(topic);
                knownTopics.add(topic);
            } catch (TopicAuthorizationException e) {
                backoff = retryLater("Kafka refuses this relay access to topic " + topic + " (" + e.getMessage()
                        + "): grant the relay's principal WRITE and DESCRIBE on it, e.g. kafka-acls.sh --add "
                        + "--allow-principal User:<relay> --operation Write --operation Describe --topic " + topic,
                        backoff);
            } catch (TimeoutException e) {
                backoff = retryLater("topic " + topic + " is not in Kafka's metadata after max.block.ms: Kafka is "
                        + "unreachable, or the topic does not exist and the broker does not create topics "
                        + "(auto.create.topics.enable=false): create it, e.g. kafka-topics.sh --create --topic " + topic,
                        backoff);
            }
        }
    }

    /** Not ready meanwhile; returns the next backoff. */
    private long retryLater(String problem, long backoff) throws InterruptedException {
        listener.waiting();
        listener.kafkaAvailable(false);
        log.warn("{}; retrying in {} ms, nothing is skipped", problem, backoff);
        Thread.sleep(backoff);
        return Math.min(backoff * 2, 5_000);
    }

    private String topicOf(Routing routing) {
        return routing instanceof Routing.Deliver deliver ? deliver.record().topic() : dlqTopic;
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
        byte[] value = metadataOnly(dead) || row.payload() == null ? null : row.payload().getBytes(StandardCharsets.UTF_8);
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
