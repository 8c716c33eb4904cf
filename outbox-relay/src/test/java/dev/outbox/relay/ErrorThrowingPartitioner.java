package dev.outbox.relay;

import java.util.Map;
import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;

/**
 * A producer partitioner that throws an {@link Error} on the relay thread (it runs inside {@code send}): set with
 * {@code OUTBOX_KAFKA_PARTITIONER_CLASS} in a test relay process to prove an Error ends the process non-zero.
 */
public final class ErrorThrowingPartitioner implements Partitioner {

    static final String MESSAGE = "partitioner fails on purpose (test)";

    @Override
    public int partition(String topic, Object key, byte[] keyBytes, Object value, byte[] valueBytes,
            Cluster cluster) {
        throw new AssertionError(MESSAGE);
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
