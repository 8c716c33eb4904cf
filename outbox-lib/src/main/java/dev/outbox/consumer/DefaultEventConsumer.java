package dev.outbox.consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.OutboxConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EventConsumer} assembled from its parts: the Kafka clients, the {@link InboxRecordHandler}, the
 * {@link RetryPolicy}, the {@link DeadLetterPublisher} and a {@link RestartingRunner} of {@link PollLoop}s.
 */
final class DefaultEventConsumer implements EventConsumer {

    private static final Logger log = LoggerFactory.getLogger(DefaultEventConsumer.class);

    private final EventConsumer.Builder settings;
    private final RestartingRunner runner;

    /** Builds the Kafka clients from the settings. */
    static DefaultEventConsumer create(EventConsumer.Builder settings) {
        ObjectMapper mapper = settings.objectMapper != null ? settings.objectMapper
                : OutboxConfig.defaultObjectMapper();
        InboxTransactions transactions = settings.transactions != null ? settings.transactions
                : InboxTransactions.of(settings.dataSource);
        ConsumerMetrics metrics = new ConsumerMetrics(settings.meterRegistry, settings.group);
        Map<String, Object> consumerConfig = consumerConfig(settings);
        Producer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(settings), new ByteArraySerializer(),
                new ByteArraySerializer());
        try {
            return new DefaultEventConsumer(settings,
                    () -> new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                    producer, new InboxRecordHandler(settings, mapper, transactions, metrics), metrics);
        } catch (RuntimeException e) {
            producer.close();
            throw e;
        }
    }

    /**
     * @param consumers makes the Kafka consumer of each run: the first at once, another after each restart
     * @param producer  the dead-letter producer, for the consumer's whole life
     */
    DefaultEventConsumer(EventConsumer.Builder settings, Supplier<Consumer<byte[], byte[]>> consumers,
                         Producer<byte[], byte[]> producer, RecordHandler handler, ConsumerMetrics metrics) {
        this.settings = settings;
        RetryPolicy policy = new RetryPolicy(settings.maxAttempts, settings.initialBackoff, settings.maxBackoff,
                settings.nonRetriable);
        DeadLetterPublisher deadLetters = new DeadLetterPublisher(producer, settings.deadLetterSuffix, settings.group,
                metrics);
        Supplier<PollLoop> loops = () -> new PollLoop(consumers.get(), settings.group, settings.topics,
                settings.pollTimeout, settings.offsetCommitInterval, policy, handler, deadLetters, metrics,
                newWorkers(settings), settings.batchSize);
        this.runner = new RestartingRunner(settings.group, loops.get(), loops, policy::backoff, deadLetters::close);
    }

    private static ExecutorService newWorkers(EventConsumer.Builder settings) {
        return settings.concurrency == 1 ? null : Executors.newFixedThreadPool(settings.concurrency,
                Thread.ofPlatform().daemon().name("outbox-consumer-" + settings.group + "-worker-", 1).factory());
    }

    static Map<String, Object> consumerConfig(EventConsumer.Builder settings) {
        Map<String, Object> config = new HashMap<>();
        long sessionMillis = settings.sessionTimeout.toMillis();
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, sessionMillis));
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) Math.min(3000, sessionMillis / 3));
        if (settings.instanceId != null) {
            config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceId);
        }
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "outbox-consumer-" + settings.group + "-" + UUID.randomUUID());
        config.putAll(settings.consumerProperties);
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.group);
        // Offsets are committed by hand after the database commit: that is the whole guarantee.
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return config;
    }

    private static Map<String, Object> producerConfig(EventConsumer.Builder settings) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.putAll(settings.producerProperties);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers);
        return config;
    }

    void start() {
        runner.start();
        log.info("Consumer group {} started on {}", settings.group, settings.topics);
    }

    @Override
    public String group() {
        return settings.group;
    }

    @Override
    public Set<TopicPartition> assignment() {
        return runner.assignment();
    }

    @Override
    public boolean isRunning() {
        return runner.isAlive();
    }

    @Override
    public Health health() {
        return runner.health();
    }

    @Override
    public void close() {
        runner.close();
    }

    /** No database connection could be had: whatever the SQLState, the record is not to blame. */
    static final class DatabaseUnavailable extends RuntimeException {
        DatabaseUnavailable(Throwable cause) {
            super("no database connection: " + cause.getMessage(), cause);
        }
    }

    /** The database is unreachable or refusing work: not the record's fault, so retry it forever. */
    static boolean isInfrastructureFailure(Throwable e) {
        return RetryPolicy.isDatabaseUnavailable(e);
    }
}
