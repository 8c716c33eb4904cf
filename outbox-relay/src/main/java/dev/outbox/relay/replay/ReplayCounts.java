package dev.outbox.relay.replay;

import dev.outbox.relay.route.Routing;
import dev.outbox.relay.sink.KafkaSink;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Rows per topic and dead letters: what a dry run would send (counted as routed) or what Kafka acknowledged
 * (counted as the sink reports it, so a row the broker refused counts as the dead letter it became).
 */
final class ReplayCounts implements KafkaSink.Listener {

    private final Map<String, Long> perTopic = new TreeMap<>();
    private final String dlqTopic;
    private long deadLetters;

    ReplayCounts(String dlqTopic) {
        this.dlqTopic = dlqTopic;
    }

    /** A dry run: what the router decided. */
    void routed(Routing routing) {
        switch (routing) {
            case Routing.Deliver deliver -> perTopic.merge(deliver.record().topic(), 1L, Long::sum);
            case Routing.DeadLetter dead -> deadLetters++;
        }
    }

    long total() {
        return perTopic.values().stream().mapToLong(Long::longValue).sum() + deadLetters;
    }

    Map<String, Long> perTopic() {
        return Map.copyOf(perTopic);
    }

    long deadLetters() {
        return deadLetters;
    }

    void print(PrintStream out) {
        perTopic.forEach((topic, rows) -> out.println("  " + topic + ": " + rows));
        if (deadLetters > 0) {
            out.println("  " + dlqTopic + " (dead letters, OUTBOX_DLQ_TOPIC): " + deadLetters);
        }
    }

    @Override
    public void delivered(Routing.Deliver routed, RecordMetadata metadata) {
        perTopic.merge(metadata.topic(), 1L, Long::sum);
    }

    @Override
    public void deadLettered(Routing.DeadLetter deadLetter) {
        deadLetters++;
    }

    @Override
    public void kafkaAvailable(boolean available) {
    }

    @Override
    public void transactionCommitted(Duration commitLatency) {
    }

    @Override
    public void transactionAborted() {
    }

    @Override
    public void waiting() {
    }

    @Override
    public void batch(int rows) {
    }
}
