package dev.outbox.testkit;

import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A single-node KRaft broker in a container (Testcontainers' Kafka module), with the embedded broker's settings
 * that tests rely on: topics auto-created, internal topics with replication factor 1, no rebalance delay. The image
 * is {@value #IMAGE_VARIABLE}, default {@value #DEFAULT_IMAGE}; any image honouring apache/kafka's start-up
 * contract may replace it.
 */
final class ContainerKafka implements Kafka {

    static final String IMAGE_VARIABLE = "OUTBOX_TESTKIT_KAFKA_IMAGE";
    static final String DEFAULT_IMAGE = "apache/kafka:4.3.0";

    private static final Logger log = LoggerFactory.getLogger(ContainerKafka.class);

    private final KafkaContainer container;
    private final String bootstrapServers;

    private ContainerKafka(KafkaContainer container) {
        this.container = container;
        this.bootstrapServers = container.getBootstrapServers();
    }

    static ContainerKafka start(Map<String, String> environment) {
        String image = environment.getOrDefault(IMAGE_VARIABLE, DEFAULT_IMAGE);
        long started = System.nanoTime();
        KafkaContainer container = new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"))
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true")
                .withEnv("KAFKA_NUM_PARTITIONS", "1")
                .withEnv("KAFKA_DEFAULT_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_MIN_INSYNC_REPLICAS", "1")
                .withEnv("KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS", "5")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_NUM_PARTITIONS", "5")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withStartupTimeout(Duration.ofMinutes(3));
        try {
            container.start();
        } catch (RuntimeException e) {
            container.stop();
            throw new IllegalStateException("The Kafka container (" + image + ") did not start: " + e.getMessage()
                    + ". Check the container engine (DOCKER_HOST) and " + IMAGE_VARIABLE + ", or unset "
                    + TestkitBackend.VARIABLE + " to use the embedded broker", e);
        }
        ContainerKafka kafka = new ContainerKafka(container);
        KafkaAdmin.awaitReady(kafka.bootstrapServers, Duration.ofSeconds(60), "the Kafka container " + image);
        log.info("Kafka container {} started on {} in {} ms", image, kafka.bootstrapServers,
                (System.nanoTime() - started) / 1_000_000);
        return kafka;
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        KafkaAdmin.createTopic(bootstrapServers, name, partitions, configs);
    }

    @Override
    public void close() {
        container.stop();
    }

    @Override
    public String toString() {
        return "ContainerKafka[" + bootstrapServers + "]";
    }
}
