package dev.outbox.testkit;

import java.util.Map;

/** A running Kafka broker: in this JVM (the default here), in its own process, or external. */
public interface Kafka extends AutoCloseable {

    /** The {@code bootstrap.servers} value clients use. */
    String bootstrapServers();

    /** Creates a topic unless it exists, and waits until it can be written. */
    void createTopic(String name, int partitions, Map<String, String> configs);

    default void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** Stops the broker if this object started it; an external broker is left running. */
    @Override
    void close();
}
