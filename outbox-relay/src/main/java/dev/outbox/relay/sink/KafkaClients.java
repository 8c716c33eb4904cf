package dev.outbox.relay.sink;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Builds every Kafka client the relay creates (producer, admin, consumer) from one set of client settings: the
 * bootstrap servers and every passed-through {@code OUTBOX_KAFKA_*} key, security ({@code security.protocol},
 * {@code sasl.*}, {@code ssl.*}) included. A client gets only the keys its type knows, so a producer-only key is not
 * handed to the admin and logged there as unknown.
 *
 * <p>The admin and consumer calls are bounded ({@link #CALL_TIMEOUT}), so a broker that does not answer, or refuses
 * the handshake, fails the call instead of holding the relay (and its shutdown) for ever.
 */
public final class KafkaClients implements AutoCloseable {

    /** The most any one admin or consumer call may take. */
    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private final Map<String, String> settings;
    /** The admin client the relay's checks share (Kafka check, position topic creation); created on first use. */
    private Admin sharedAdmin;

    /**
     * @param bootstrapServers {@code OUTBOX_KAFKA_BOOTSTRAP_SERVERS}
     * @param settings         the passed-through {@code OUTBOX_KAFKA_*} keys as client settings
     */
    public KafkaClients(String bootstrapServers, Map<String, String> settings) {
        this.bootstrapServers = bootstrapServers;
        this.settings = Map.copyOf(settings);
    }

    /** The bootstrap servers, for messages. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * The producer's settings: our defaults, then every passed-through key (all of them: a typo shows up in the
     * producer's own "not a known config" warning).
     */
    Map<String, Object> producerSettings(String clientId) {
        Map<String, Object> producer = new HashMap<>();
        producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // One request in flight: rows are sent while earlier ones await acks, so with more, a later batch of a
        // partition whose leader is still settling (a new topic) can be appended before the first one, whose retry
        // then fails with OUT_OF_ORDER_SEQUENCE_NUMBER forever (delivery never times out). One request still
        // carries every partition's batch.
        producer.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        // Never give up on a record: a broker outage is waited out, not turned into a loss or a skip.
        producer.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        producer.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        producer.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        producer.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        producer.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        producer.putAll(settings);
        return producer;
    }

    /** An admin client's settings: bounded call timeouts, then the passed-through keys an admin client knows. */
    Map<String, Object> adminSettings(String clientId) {
        Map<String, Object> admin = new HashMap<>();
        admin.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        admin.putAll(known(AdminClientConfig.configNames()));
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        boundCalls(admin, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        return admin;
    }

    /**
     * A consumer's settings (no group, no offset commits: the relay assigns partitions itself), bounded call
     * timeouts, then the passed-through keys a consumer knows.
     */
    Map<String, Object> consumerSettings(String clientId) {
        Map<String, Object> consumer = new HashMap<>();
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        consumer.putAll(known(ConsumerConfig.configNames()));
        boundCalls(consumer, ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A metadata lookup must not create a topic with the broker's defaults (the position topic is compacted).
        consumer.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        consumer.remove(ConsumerConfig.GROUP_ID_CONFIG);
        return consumer;
    }

    /**
     * {@link #CALL_TIMEOUT} unless the settings name a request timeout (the producer's, shared); the API timeout
     * never below the request timeout, which the clients refuse.
     */
    private static void boundCalls(Map<String, Object> client, String requestTimeout, String apiTimeout) {
        long request = Long.parseLong(client.getOrDefault(requestTimeout, CALL_TIMEOUT.toMillis()).toString());
        client.put(requestTimeout, (int) request);
        long api = Long.parseLong(client.getOrDefault(apiTimeout, CALL_TIMEOUT.toMillis()).toString());
        client.put(apiTimeout, (int) Math.max(api, request));
    }

    private Map<String, String> known(Set<String> configNames) {
        Map<String, String> known = new HashMap<>(settings);
        known.keySet().retainAll(configNames);
        return known;
    }

    Producer<byte[], byte[]> producer(Map<String, Object> producerSettings) {
        return new KafkaProducer<>(producerSettings, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** An admin client with bounded calls; {@code purpose} names it in the broker's logs and metrics. */
    public Admin admin(String purpose) {
        return Admin.create(adminSettings("outbox-relay-" + purpose));
    }

    /**
     * The one admin client of the relay's start checks, kept open (and its broker connection warm) until
     * {@link #close()}: the Kafka check and the position topic share it instead of each connecting anew.
     */
    public synchronized Admin sharedAdmin() {
        if (sharedAdmin == null) {
            sharedAdmin = admin("checks");
        }
        return sharedAdmin;
    }

    /** Closes the shared admin client, if one was created; a later {@link #sharedAdmin()} creates a new one. */
    @Override
    public synchronized void close() {
        if (sharedAdmin != null) {
            sharedAdmin.close(Duration.ofSeconds(5));
            sharedAdmin = null;
        }
    }

    /** A {@code read_committed} consumer without a group, for partitions the caller assigns. */
    public KafkaConsumer<byte[], byte[]> consumer(String purpose) {
        return new KafkaConsumer<>(consumerSettings("outbox-relay-" + purpose), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /** How long the caller may wait for an admin or consumer call before giving up on it. */
    public static Duration callTimeout() {
        return CALL_TIMEOUT;
    }
}
