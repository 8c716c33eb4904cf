package dev.outbox.relay.sink;

import org.apache.kafka.clients.producer.Producer;

/** Test access to the sink over a given producer (unit tests use Kafka's own {@code MockProducer}). */
public final class Sinks {

    private Sinks() {
    }

    public static KafkaSink atLeastOnce(Producer<byte[], byte[]> producer, KafkaSink.Listener listener) {
        return new KafkaSink(producer, "outbox.dlq", listener, null);
    }
}
