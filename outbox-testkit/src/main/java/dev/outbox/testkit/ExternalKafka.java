package dev.outbox.testkit;

import java.time.Duration;
import java.util.Map;

/** A Kafka cluster someone else runs, named by {@value #BOOTSTRAP_VARIABLE}. Never stopped by the test kit. */
final class ExternalKafka implements Kafka {

    static final String BOOTSTRAP_VARIABLE = "OUTBOX_TEST_KAFKA_BOOTSTRAP_SERVERS";

    private final String bootstrapServers;

    ExternalKafka(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        try {
            KafkaAdmin.awaitReady(bootstrapServers, Duration.ofSeconds(5),
                    "the Kafka named by " + BOOTSTRAP_VARIABLE + " (" + bootstrapServers + ")");
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + ". Fix the broker or the variable, or unset "
                    + BOOTSTRAP_VARIABLE + " to use the embedded broker", e);
        }
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
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "ExternalKafka[" + bootstrapServers + "]";
    }
}
