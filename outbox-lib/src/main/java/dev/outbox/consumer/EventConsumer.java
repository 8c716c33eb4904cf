package dev.outbox.consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.OutboxConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.apache.kafka.common.TopicPartition;

/**
 * An idempotent consumer: one thread polling a Kafka consumer for a set of topics in a consumer group. Each
 * record's JSON value is read into the class registered for its {@code ce_type} header, then one database
 * transaction runs (through {@link Builder#transactions(InboxTransactions)}; by default a connection of its own):
 * <ol>
 *   <li>{@code INSERT INTO processed_event (consumer_group, event_id) ... ON CONFLICT DO NOTHING}; no row inserted
 *       means a duplicate: commit and skip;</li>
 *   <li>the handler runs with the transaction (events it publishes inherit {@code saga_id}, {@code correlation_id},
 *       {@code causation_id} and the trace context);</li>
 *   <li>the transaction commits; only then is the Kafka offset committed (asynchronously, at most every
 *       {@link Builder#offsetCommitInterval(Duration) offsetCommitInterval}; synchronously on rebalance and on
 *       shutdown). A crash in between redelivers the record and the inbox skips it.</li>
 * </ol>
 * Records of one partition are processed in order; with {@link Builder#concurrency(int)} above 1, different
 * partitions of a poll are processed at the same time on worker threads. A failing handler (an {@link Error}
 * included) is retried with exponential backoff (the partition is paused and rewound, other partitions go on);
 * after {@code maxAttempts}, or at once for a {@link NonRetriableException}, an unknown type, unreadable JSON or a
 * missing/invalid {@code id} header, the record is copied to {@code <topic><deadLetterSuffix>} with
 * {@link DeadLetterHeaders} and the runner moves on. Attempts are counted in the metadata of the committed offset,
 * so the count survives rebalances and restarts, and an attempt that kills the process counts too. Database
 * unavailability (no connection could be opened, or SQLState classes 08, 53, 57P) and transactions that lost a race
 * (SQLSTATE 40001 serialization failure, 40P01 deadlock, 55P03 lock not available) are retried without limit, with
 * the same backoff, without counting as attempts, and never dead-lettered. If the polling loop itself dies (an
 * unexpected Kafka error, a bug), it is restarted with a new Kafka consumer after a backoff; see {@link #health()}.
 *
 * <pre>{@code
 * EventConsumer consumer = EventConsumer.builder(dataSource, "localhost:9092", "inventory")
 *         .topics("outbox.event.order")
 *         .on("OrderPlaced", OrderPlaced.class, (tx, event, ctx) -> reserve(tx, event))
 *         .start();
 * ...
 * consumer.close(); // finishes the current record, commits, leaves the group
 * }</pre>
 *
 * <p>Metrics (Micrometer, tags {@code group} and {@code topic}): counters {@code outbox.consumer.processed},
 * {@code outbox.consumer.duplicates}, {@code outbox.consumer.retries}, {@code outbox.consumer.dead.lettered},
 * {@code outbox.consumer.ignored}; timer {@code outbox.consumer.handler} (handler latency, successful or not).
 */
public interface EventConsumer extends AutoCloseable {

    /**
     * Starts configuring a runner.
     *
     * @param dataSource       where {@code processed_event} lives and the handlers' transactions run
     * @param bootstrapServers Kafka bootstrap servers
     * @param group            the Kafka consumer group, also the {@code consumer_group} of the inbox rows
     */
    static Builder builder(DataSource dataSource, String bootstrapServers, String group) {
        return new Builder(dataSource, bootstrapServers, group);
    }

    /** The consumer group. */
    String group();

    /** The partitions currently assigned to this runner (a snapshot; empty before the first assignment). */
    Set<TopicPartition> assignment();

    /** Whether the polling thread is alive (it is until {@link #close()}, through restarts of its loop). */
    boolean isRunning();

    /** What a health check needs to know: whether records are being consumed, and the runner's restarts. */
    default Health health() {
        return new Health(isRunning(), 0, null, null);
    }

    /**
     * The runner's health.
     *
     * @param running     whether the polling loop is running now (false once closed, and while it waits to be
     *                    restarted after a failure)
     * @param restarts    how many times the polling loop died and was restarted
     * @param lastError   the error that last killed the loop ({@code class: message}), or {@code null}
     * @param lastErrorAt when that happened, or {@code null}
     */
    record Health(boolean running, int restarts, String lastError, Instant lastErrorAt) {
    }

    /**
     * Stops gracefully: wakes the poll, lets the record in progress finish, commits the offsets of what is done and
     * leaves the group. Waits up to 30 seconds. Idempotent.
     */
    @Override
    void close();

    /** Settings of an {@link EventConsumer}; every setting but {@link #topics} and one handler has a default. */
    final class Builder {

        final DataSource dataSource;
        final String bootstrapServers;
        final String group;
        final List<String> topics = new ArrayList<>();
        final Map<String, Registration<?>> handlers = new LinkedHashMap<>();
        final Set<String> ignoredTypes = new HashSet<>();
        final List<Class<? extends Throwable>> nonRetriable = new ArrayList<>(List.of(NonRetriableException.class));
        final Map<String, Object> consumerProperties = new HashMap<>();
        final Map<String, Object> producerProperties = new HashMap<>();
        boolean ignoreUnknownTypes;
        int maxAttempts = 5;
        Duration initialBackoff = Duration.ofMillis(200);
        Duration maxBackoff = Duration.ofSeconds(10);
        Duration pollTimeout = Duration.ofMillis(500);
        Duration sessionTimeout = Duration.ofSeconds(10);
        Duration offsetCommitInterval = Duration.ofMillis(100);
        String instanceId;
        int concurrency = 1;
        int batchSize = 100;
        String deadLetterSuffix = "-dlt";
        ObjectMapper objectMapper;
        InboxTransactions transactions;
        MeterRegistry meterRegistry = Metrics.globalRegistry;

        record Registration<E>(Class<E> eventClass, EventHandler<? super E> handler) {
        }

        private Builder(DataSource dataSource, String bootstrapServers, String group) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
            this.bootstrapServers = requireText("bootstrapServers", bootstrapServers);
            this.group = requireText("group", group);
        }

        /** Topics to subscribe to. Required. */
        public Builder topics(String... topics) {
            for (String topic : topics) {
                this.topics.add(requireText("topics", topic));
            }
            return this;
        }

        /**
         * Registers the handler of logical type {@code type} (the {@code ce_type} header); its JSON value is read
         * into {@code eventClass} with the {@link #objectMapper(ObjectMapper) object mapper}. One handler per type.
         */
        public <E> Builder on(String type, Class<E> eventClass, EventHandler<? super E> handler) {
            requireText("type", type);
            Objects.requireNonNull(eventClass, "eventClass must not be null");
            Objects.requireNonNull(handler, "handler must not be null");
            if (handlers.putIfAbsent(type, new Registration<>(eventClass, handler)) != null) {
                throw new IllegalArgumentException("type " + type + " already has a handler");
            }
            return this;
        }

        /**
         * Types this consumer reads on its topics but does not care about: skipped (offset advances, no inbox row,
         * counted as {@code outbox.consumer.ignored}). Default: none.
         */
        public Builder ignore(String... types) {
            ignoredTypes.addAll(List.of(types));
            return this;
        }

        /**
         * {@code true}: every type without a handler is skipped like {@link #ignore}d ones. Default {@code false}:
         * an unknown type is a poison record and goes to the dead-letter topic.
         */
        public Builder ignoreUnknownTypes(boolean ignore) {
            this.ignoreUnknownTypes = ignore;
            return this;
        }

        /** Handler attempts before a record is dead-lettered. Default 5; at least 1. */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Backoff before retry n is {@code initial * 2^(n-1)}, capped at {@code max}. Default 200 ms and 10 s. */
        public Builder backoff(Duration initial, Duration max) {
            if (initial == null || max == null || initial.isNegative() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff needs 0 <= initial <= max, was " + initial + ", " + max);
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Exception types (and their subclasses, anywhere in the cause chain) that go to the dead-letter topic
         * without retry, in addition to {@link NonRetriableException}. Default: none more.
         */
        @SafeVarargs
        public final Builder nonRetriable(Class<? extends Throwable>... types) {
            nonRetriable.addAll(List.of(types));
            return this;
        }

        /** The longest a poll blocks; also bounds how fast {@link #close()} reacts. Default 500 ms. */
        public Builder pollTimeout(Duration pollTimeout) {
            if (pollTimeout == null || pollTimeout.isNegative() || pollTimeout.isZero()) {
                throw new IllegalArgumentException("pollTimeout must be positive, was " + pollTimeout);
            }
            this.pollTimeout = pollTimeout;
            return this;
        }

        /**
         * How often the offsets of handled records are committed to Kafka, without waiting for the broker. The inbox
         * row committed with each record's effect is what makes the record done; the offset only saves re-reading,
         * so after a crash up to this much progress is delivered again and skipped by the inbox (one lookup per
         * record, no second effect). Commits on revocation, on close and of retry counts are immediate and
         * synchronous whatever this setting. Zero commits after every poll. Default 100 ms.
         */
        public Builder offsetCommitInterval(Duration interval) {
            if (interval == null || interval.isNegative()) {
                throw new IllegalArgumentException("offsetCommitInterval must be zero or positive, was " + interval);
            }
            this.offsetCommitInterval = interval;
            return this;
        }

        /**
         * Static group membership: {@code group.instance.id}, the name of this member of the group, which must be
         * stable across restarts of the process and unique among the members alive at the same time (derive it from
         * the service's configuration: host name and port, a StatefulSet pod name). A process that restarts with the
         * same id gets its partitions back as soon as it joins, without a rebalance and without waiting for the
         * session of its killed predecessor to expire; a member that closes does not leave the group, so a restart
         * moves nothing. Only if it stays away longer than {@link #sessionTimeout} are its partitions given to the
         * others. Two live members with one id fence each other: the older one fails. Kafka allows ASCII letters,
         * digits, {@code .}, {@code _} and {@code -}. Default: none (dynamic
         * membership: after a {@code kill -9} the partitions stay with the dead member until its session expires).
         */
        public Builder staticMembership(String instanceId) {
            if (instanceId == null || !instanceId.matches("[A-Za-z0-9._-]{1,249}")) {
                throw new IllegalArgumentException("staticMembership: the instance id must be 1..249 ASCII letters, "
                        + "digits, '.', '_' or '-' (Kafka's rule), was " + instanceId);
            }
            this.instanceId = instanceId;
            return this;
        }

        /**
         * How long the broker waits for a member's heartbeat before it takes the member's partitions away
         * ({@code session.timeout.ms}; heartbeats every third of it, at most every 3 s). This bounds how long the
         * partitions of a killed member that never comes back (or, without {@link #staticMembership}, of any killed
         * member) stay unconsumed. The broker accepts 6 s to 30 min by default
         * ({@code group.min/max.session.timeout.ms}). Default 10 s (Kafka's own default is 45 s).
         */
        public Builder sessionTimeout(Duration sessionTimeout) {
            if (sessionTimeout == null || sessionTimeout.toMillis() < 1000) {
                throw new IllegalArgumentException("sessionTimeout must be at least 1 s, was " + sessionTimeout);
            }
            this.sessionTimeout = sessionTimeout;
            return this;
        }

        /**
         * Partitions handled at the same time, each by one worker thread with its own connection and transaction.
         * Default 1: the polling thread handles every record itself. Records of one partition are always handled
         * one after the other, in order; a poll's offsets are committed only once every partition's share of it
         * has committed in the database, so the guarantees are the same at any setting. Above 1, handlers of
         * different partitions run concurrently and must take their locks in a consistent order (they must already
         * when several instances share the group). Worth raising when handlers wait on the database rather than
         * the CPU; more than the assigned partitions, or the connection pool, gains nothing.
         */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1 || concurrency > 256) {
                throw new IllegalArgumentException("concurrency must be 1..256, was " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /**
         * The most records of one partition, from one poll, handled in one database transaction: their inbox rows,
         * their handlers' writes and the events they publish commit together, with one durable commit instead of
         * one per record. A poll returns what has arrived, so at low rates a transaction still holds one record and
         * nothing waits to fill a batch. When any record of a batch fails, the transaction rolls back and the batch
         * is handled again one record per transaction: the failing record alone is retried and dead-lettered, the
         * others commit once. Offsets are committed only after the transaction that covers them. A larger batch
         * holds its locks longer (handlers of different partitions, or instances, must take their locks in a
         * consistent order; a deadlock costs a rollback and a one-by-one pass, not a retry). 1 turns batching off.
         * Default 100.
         */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("batchSize must be 1..10000, was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Suffix of the dead-letter topic of each consumed topic. Default {@code -dlt}. */
        public Builder deadLetterSuffix(String suffix) {
            this.deadLetterSuffix = requireText("deadLetterSuffix", suffix);
            return this;
        }

        /** Reads event payloads. Default: {@link OutboxConfig#defaultObjectMapper()}. */
        public Builder objectMapper(ObjectMapper objectMapper) {
            this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper must not be null");
            return this;
        }

        /**
         * Runs the inbox insert and the handler of each record in one transaction. Default:
         * {@link InboxTransactions#of(DataSource) InboxTransactions.of(dataSource)}, a connection of its own per
         * record. Supply one over your transaction manager (Spring: a {@code TransactionTemplate} running the work
         * with {@code DataSourceUtils.getConnection(dataSource)}) so that writes a handler makes through other APIs
         * ({@code JdbcTemplate}, JPA) join the inbox transaction.
         */
        public Builder transactions(InboxTransactions transactions) {
            this.transactions = Objects.requireNonNull(transactions, "transactions must not be null");
            return this;
        }

        /** Where metrics go. Default: Micrometer's {@code Metrics.globalRegistry}. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry must not be null");
            return this;
        }

        /**
         * Any {@code KafkaConsumer} property (security, {@code max.poll.records}, ...). Defaults set by the runner:
         * {@code enable.auto.commit=false} (cannot be changed), {@code isolation.level=read_committed},
         * {@code auto.offset.reset=earliest}, byte-array deserializers, and the {@link #sessionTimeout} and
         * {@link #staticMembership} settings (a property given here wins over them).
         */
        public Builder consumerProperty(String name, Object value) {
            consumerProperties.put(requireText("consumerProperty", name), value);
            return this;
        }

        /**
         * Any property of the dead-letter {@code KafkaProducer}. Defaults: {@code acks=all},
         * {@code enable.idempotence=true}, byte-array serializers.
         */
        public Builder producerProperty(String name, Object value) {
            producerProperties.put(requireText("producerProperty", name), value);
            return this;
        }

        /** Validates the settings, subscribes and starts the polling thread. */
        public EventConsumer start() {
            if (topics.isEmpty()) {
                throw new IllegalStateException("topics: at least one topic is required");
            }
            if (handlers.isEmpty()) {
                throw new IllegalStateException("on(type, class, handler): at least one handler is required");
            }
            DefaultEventConsumer consumer = DefaultEventConsumer.create(this);
            consumer.start();
            return consumer;
        }

        private static String requireText(String name, String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(name + " must not be blank");
            }
            return value;
        }
    }
}
