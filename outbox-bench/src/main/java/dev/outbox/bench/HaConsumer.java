package dev.outbox.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;

/**
 * A {@code read_committed} consumer of one topic from its beginning: when each event id (header {@code id}) was
 * first seen, and how many copies came after the first.
 */
final class HaConsumer implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
    private final AtomicLong duplicates = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    HaConsumer(String bootstrap, String topic) {
        consumer = TopicFromStart.open(bootstrap, topic, 50);
        thread = Thread.ofPlatform().name("ha-consumer").daemon().start(this::loop);
    }

    private void loop() {
        while (running) {
            for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                long now = System.nanoTime();
                Header id = record.headers().lastHeader("id");
                if (id != null && firstSeen.putIfAbsent(new String(id.value(), StandardCharsets.UTF_8), now) != null) {
                    duplicates.incrementAndGet();
                }
            }
        }
        consumer.close(Duration.ofSeconds(5));
    }

    /** Copies received after an event's first one, so far. */
    long duplicates() {
        return duplicates.get();
    }

    /** Distinct events received so far. */
    int distinct() {
        return firstSeen.size();
    }

    boolean receivedAll(Collection<String> ids) {
        return firstSeen.keySet().containsAll(ids);
    }

    long missing(Collection<String> ids) {
        return ids.stream().filter(id -> !firstSeen.containsKey(id)).count();
    }

    /** The earliest first-receipt time (System.nanoTime()) among {@code ids}, or -1 if none has arrived. */
    long firstReceipt(Collection<String> ids) {
        return ids.stream().map(firstSeen::get).filter(java.util.Objects::nonNull).mapToLong(Long::longValue)
                .min().orElse(-1);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(10_000);
    }
}
