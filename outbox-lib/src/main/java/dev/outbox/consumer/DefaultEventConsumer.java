package dev.outbox.consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.OutboxConfig;
import dev.outbox.OutboxHeaders;
import dev.outbox.internal.ConsumedScope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class DefaultEventConsumer implements EventConsumer {

    private static final Logger log = LoggerFactory.getLogger(DefaultEventConsumer.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final EventConsumer.Builder settings;
    private final InboxTransactions transactions;
    private final ObjectMapper mapper;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> deadLetters;
    private final Thread thread;
    /** Runs the partitions of one poll side by side; null when {@code concurrency} is 1. */
    private final ExecutorService workers;
    private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
    // Workers touch the entries of their own partition only, but concurrently: hence concurrent maps.
    private final Map<TopicPartition, RetryState> retries = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile Set<TopicPartition> assignment = Set.of();

    /** The record of a partition being retried: its offset, attempts so far and when to try again. */
    private static final class RetryState {
        final long offset;
        int attempts;
        int outages;
        long resumeAtNanos;

        RetryState(long offset) {
            this.offset = offset;
        }
    }

    /** Outcome of one record: done (offset may advance) or rewound for a later retry. */
    private enum Outcome { DONE, RETRY_LATER }

    /**
     * What a partition's share of a poll came to: the offset to commit (null if no record was done) and the offset
     * to rewind to (null unless a record waits for a retry).
     */
    private record PartitionResult(TopicPartition partition, OffsetAndMetadata done, Long retryAt) {
    }

    DefaultEventConsumer(EventConsumer.Builder settings) {
        this.settings = settings;
        this.transactions = settings.transactions != null
                ? settings.transactions : InboxTransactions.of(settings.dataSource);
        this.mapper = settings.objectMapper != null ? settings.objectMapper : OutboxConfig.defaultObjectMapper();
        Map<String, Object> consumerConfig = new HashMap<>();
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "outbox-consumer-" + settings.group + "-" + UUID.randomUUID());
        consumerConfig.putAll(settings.consumerProperties);
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group);
        // Offsets are committed by hand after the database commit: that is the whole guarantee.
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.putAll(settings.producerProperties);
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers);
        this.deadLetters = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        this.thread = new Thread(this::run, "outbox-consumer-" + settings.group);
        this.thread.setDaemon(true);
        this.workers = settings.concurrency == 1 ? null : Executors.newFixedThreadPool(settings.concurrency,
                Thread.ofPlatform().daemon().name("outbox-consumer-" + settings.group + "-worker-", 1).factory());
    }

    void start() {
        consumer.subscribe(settings.topics, new Rebalance());
        thread.start();
        log.info("Consumer group {} started on {}", settings.group, settings.topics);
    }

    @Override
    public String group() {
        return settings.group;
    }

    @Override
    public Set<TopicPartition> assignment() {
        return assignment;
    }

    @Override
    public boolean isRunning() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        running = false;
        consumer.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try {
            while (running) {
                resumeDuePartitions();
                ConsumerRecords<byte[], byte[]> records = consumer.poll(nextPollTimeout());
                processBatch(records);
                commitPending();
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("Consumer group {} woken up unexpectedly; stopping", settings.group, e);
            }
        } catch (RuntimeException | Error e) {
            log.error("Consumer group {} stopped on an unexpected error", settings.group, e);
        } finally {
            try {
                commitPending();
            } catch (RuntimeException e) {
                log.warn("Consumer group {}: final offset commit failed; the inbox absorbs the redelivery",
                        settings.group, e);
            }
            // Bounded: with the broker gone, leaving the group must not hold up a service's shutdown.
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
            deadLetters.close(CLOSE_TIMEOUT);
            if (workers != null) {
                workers.shutdownNow();
            }
            assignment = Set.of();
            log.info("Consumer group {} stopped", settings.group);
        }
    }

    /**
     * Handles a poll's records, partition by partition in offset order; with {@code concurrency > 1}, different
     * partitions run at the same time on the workers. Either way this returns only when every record handled has
     * committed (or was given up for a retry), so the offsets committed next never pass an uncommitted record, and
     * the KafkaConsumer (not thread-safe) is only ever touched by this thread.
     */
    private void processBatch(ConsumerRecords<byte[], byte[]> records) {
        Set<TopicPartition> partitions = records.partitions();
        if (workers == null || partitions.size() < 2) {
            for (TopicPartition partition : partitions) {
                apply(processPartition(partition, records.records(partition)));
            }
            return;
        }
        List<Future<PartitionResult>> results = new ArrayList<>(partitions.size());
        for (TopicPartition partition : partitions) {
            List<ConsumerRecord<byte[], byte[]>> ofPartition = records.records(partition);
            results.add(workers.submit(() -> processPartition(partition, ofPartition)));
        }
        RuntimeException failure = null;
        for (Future<PartitionResult> result : results) {
            try {
                apply(getUninterruptibly(result));
            } catch (ExecutionException e) {
                // process() turns every handler failure into a retry, so this is a bug or an Error: after the
                // other partitions are accounted for, stop the runner as the single-threaded loop would.
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static <T> T getUninterruptibly(Future<T> future) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the worker is mid-transaction: its outcome must be known before going on
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private PartitionResult processPartition(TopicPartition partition, List<ConsumerRecord<byte[], byte[]>> records) {
        OffsetAndMetadata done = null;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (!running) {
                break; // graceful stop: the unprocessed rest is redelivered to whoever gets the partition
            }
            if (process(partition, record) == Outcome.RETRY_LATER) {
                // Drop the rest of this batch for the partition: it is rewound and paused until the backoff ends.
                return new PartitionResult(partition, done, record.offset());
            }
            done = new OffsetAndMetadata(record.offset() + 1);
        }
        return new PartitionResult(partition, done, null);
    }

    private void apply(PartitionResult result) {
        if (result.done() != null) {
            pending.put(result.partition(), result.done());
        }
        if (result.retryAt() != null) {
            consumer.seek(result.partition(), result.retryAt());
            consumer.pause(List.of(result.partition()));
        }
    }

    private Outcome process(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
        RetryState retry = retries.get(partition);
        if (retry != null && retry.offset != record.offset()) {
            retries.remove(partition);
            retry = null;
        }
        try {
            handle(record);
            retries.remove(partition);
            return Outcome.DONE;
        } catch (Exception e) {
            if (retry == null) {
                retry = new RetryState(record.offset());
                retries.put(partition, retry);
            }
            boolean infrastructure = isInfrastructureFailure(e);
            if (infrastructure) {
                retry.outages++;
            } else {
                retry.attempts++;
            }
            if (!infrastructure && (isNonRetriable(e) || retry.attempts >= settings.maxAttempts)) {
                try {
                    deadLetter(record, e, retry.attempts);
                    retries.remove(partition);
                    return Outcome.DONE;
                } catch (Exception dltFailure) {
                    log.warn("Could not dead-letter {}-{}@{}; retrying later", record.topic(), record.partition(),
                            record.offset(), dltFailure);
                }
            }
            counter("outbox.consumer.retries", record.topic()).increment();
            Duration backoff = backoff(Math.max(1, infrastructure ? retry.outages : retry.attempts));
            log.warn("Handling {}-{}@{} failed (attempt {}{}); retrying in {} ms: {}", record.topic(),
                    record.partition(), record.offset(), retry.attempts, infrastructure ? ", database unavailable" : "",
                    backoff.toMillis(), e.toString());
            retry.resumeAtNanos = System.nanoTime() + backoff.toNanos();
            return Outcome.RETRY_LATER;
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> record) throws Exception {
        Map<String, String> headers = headers(record);
        String type = firstNonBlank(headers.get(OutboxHeaders.KAFKA_CE_TYPE), headers.get("type"));
        UUID eventId = eventId(headers);
        if (type == null) {
            throw new NonRetriableException("record has no ce_type header: cannot choose a handler");
        }
        EventConsumer.Builder.Registration<?> registration = settings.handlers.get(type);
        if (registration == null) {
            if (settings.ignoreUnknownTypes || settings.ignoredTypes.contains(type)) {
                counter("outbox.consumer.ignored", record.topic()).increment();
                log.debug("Ignoring {} {} from {}", type, eventId, record.topic());
                return;
            }
            throw new NonRetriableException("no handler registered for event type " + type);
        }
        Object event = read(record, registration, type);
        ConsumedEvent context = new ConsumedEvent(eventId, type, record.topic(), record.partition(), record.offset(),
                record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                Instant.ofEpochMilli(record.timestamp()), headers);
        inTransaction(record, registration, event, context);
    }

    private Object read(ConsumerRecord<byte[], byte[]> record, EventConsumer.Builder.Registration<?> registration,
                        String type) {
        if (record.value() == null) {
            throw new NonRetriableException("record of type " + type + " has no value");
        }
        try {
            return mapper.readValue(record.value(), registration.eventClass());
        } catch (Exception e) {
            throw new NonRetriableException("cannot read " + type + " into " + registration.eventClass().getName()
                    + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void inTransaction(ConsumerRecord<byte[], byte[]> record, EventConsumer.Builder.Registration<?> registration,
                               Object event, ConsumedEvent context) throws Exception {
        boolean[] duplicate = {false};
        transactions.inTransaction(connection -> {
            if (!Inbox.firstDelivery(connection, settings.group, context.eventId())) {
                duplicate[0] = true;
                return;
            }
            DSLContext tx = DSL.using(connection, SQLDialect.POSTGRES);
            EventHandler handler = registration.handler();
            long start = System.nanoTime();
            try {
                ConsumedScope.callWithin(new ConsumedScope.Inherited(context.eventId(), context.headers()), () -> {
                    handler.handle(tx, event, context);
                    return null;
                });
            } finally {
                handlerTimer(record.topic()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        });
        if (duplicate[0]) {
            counter("outbox.consumer.duplicates", record.topic()).increment();
            log.debug("Skipping duplicate {} {} ({}-{}@{})", context.type(), context.eventId(),
                    record.topic(), record.partition(), record.offset());
        } else {
            counter("outbox.consumer.processed", record.topic()).increment();
        }
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> record, Exception cause, int attempts) throws Exception {
        String topic = record.topic() + settings.deadLetterSuffix;
        RecordHeaders headers = new RecordHeaders();
        for (Header header : record.headers()) {
            headers.add(header);
        }
        add(headers, DeadLetterHeaders.ORIGINAL_TOPIC, record.topic());
        add(headers, DeadLetterHeaders.ORIGINAL_PARTITION, Integer.toString(record.partition()));
        add(headers, DeadLetterHeaders.ORIGINAL_OFFSET, Long.toString(record.offset()));
        add(headers, DeadLetterHeaders.EXCEPTION_CLASS, cause.getClass().getName());
        add(headers, DeadLetterHeaders.EXCEPTION_MESSAGE, String.valueOf(cause.getMessage()));
        add(headers, DeadLetterHeaders.ATTEMPTS, Integer.toString(Math.max(1, attempts)));
        add(headers, DeadLetterHeaders.CONSUMER_GROUP, settings.group);
        deadLetters.send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers))
                .get(30, TimeUnit.SECONDS);
        counter("outbox.consumer.dead.lettered", record.topic()).increment();
        log.warn("Dead-lettered {}-{}@{} to {} after {} attempt(s): {}", record.topic(), record.partition(),
                record.offset(), topic, Math.max(1, attempts), cause.toString());
    }

    private static void add(RecordHeaders headers, String key, String value) {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private boolean isNonRetriable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> type : settings.nonRetriable) {
                if (type.isInstance(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** No connection could be had: whatever the SQLState, the record is not to blame. */
    static final class DatabaseUnavailable extends RuntimeException {
        DatabaseUnavailable(Throwable cause) {
            super("no database connection: " + cause.getMessage(), cause);
        }
    }

    /** The database is unreachable or refusing work: not the record's fault, so retry it forever. */
    static boolean isInfrastructureFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DatabaseUnavailable || t instanceof SQLTransientConnectionException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")) {
                    return true;
                }
            }
        }
        return false;
    }

    private Duration backoff(int attempt) {
        long initial = settings.initialBackoff.toMillis();
        long millis = initial << Math.min(attempt - 1, 20);
        return Duration.ofMillis(Math.min(millis < 0 ? Long.MAX_VALUE : millis, settings.maxBackoff.toMillis()));
    }

    private void resumeDuePartitions() {
        long now = System.nanoTime();
        Set<TopicPartition> paused = consumer.paused();
        for (Map.Entry<TopicPartition, RetryState> entry : retries.entrySet()) {
            if (paused.contains(entry.getKey()) && entry.getValue().resumeAtNanos - now <= 0) {
                consumer.resume(List.of(entry.getKey()));
            }
        }
    }

    private Duration nextPollTimeout() {
        long timeout = settings.pollTimeout.toNanos();
        long now = System.nanoTime();
        for (RetryState retry : retries.values()) {
            timeout = Math.min(timeout, Math.max(retry.resumeAtNanos - now, TimeUnit.MILLISECONDS.toNanos(1)));
        }
        return Duration.ofNanos(timeout);
    }

    private void commitPending() {
        if (pending.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(pending);
        for (int attempt = 1; ; attempt++) {
            try {
                commit(offsets);
                break;
            } catch (WakeupException e) {
                if (attempt == 2) {
                    throw e;
                }
                // close() woke us during the commit; the wakeup is consumed, so the retry runs to completion.
            } catch (CommitFailedException e) {
                log.warn("Consumer group {}: offset commit refused after a rebalance; the new owner re-reads and "
                        + "the inbox skips what was done", settings.group);
                break;
            } catch (KafkaException e) {
                // Broker unreachable or slow: keep the offsets and try again after the next poll; if we crash first,
                // the records are redelivered and the inbox skips them.
                log.warn("Consumer group {}: offset commit failed ({}); retrying after the next poll", settings.group,
                        e.toString());
                return;
            }
        }
        offsets.forEach((partition, offset) -> pending.remove(partition, offset));
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        consumer.commitSync(offsets);
        log.debug("Committed {}", offsets);
    }

    private Counter counter(String name, String topic) {
        return counters.computeIfAbsent(name + '\u0000' + topic, k -> Counter.builder(name)
                .tags("group", settings.group, "topic", topic).register(settings.meterRegistry));
    }

    private Timer handlerTimer(String topic) {
        return timers.computeIfAbsent(topic, t -> Timer.builder("outbox.consumer.handler")
                .tags("group", settings.group, "topic", t).register(settings.meterRegistry));
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            if (header.value() != null) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        return headers;
    }

    private static UUID eventId(Map<String, String> headers) {
        String id = firstNonBlank(headers.get(OutboxHeaders.KAFKA_ID), headers.get(OutboxHeaders.KAFKA_CE_ID));
        if (id == null) {
            throw new NonRetriableException("record has no id header: cannot deduplicate it");
        }
        try {
            return UUID.fromString(id.trim());
        } catch (IllegalArgumentException e) {
            throw new NonRetriableException("id header is not a UUID: " + id, e);
        }
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : null;
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // Called inside poll() on this thread, so no record is half done: hand over exactly what committed.
            Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata offset = pending.remove(partition);
                if (offset != null) {
                    done.put(partition, offset);
                }
                retries.remove(partition);
            }
            if (!done.isEmpty()) {
                try {
                    consumer.commitSync(done);
                } catch (RuntimeException e) {
                    log.warn("Consumer group {}: commit on revocation failed; the inbox absorbs the redelivery",
                            settings.group, e);
                }
            }
            assignment = Set.copyOf(consumer.assignment().stream().filter(p -> !partitions.contains(p)).toList());
            log.info("Consumer group {}: revoked {}", settings.group, partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                pending.remove(partition);
                retries.remove(partition);
            }
            assignment = Set.copyOf(consumer.assignment().stream().filter(p -> !partitions.contains(p)).toList());
            log.info("Consumer group {}: lost {}", settings.group, partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assignment = Set.copyOf(consumer.assignment());
            log.info("Consumer group {}: assigned {}", settings.group, partitions);
        }
    }
}
