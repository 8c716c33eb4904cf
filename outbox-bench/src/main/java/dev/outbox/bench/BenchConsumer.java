package dev.outbox.bench;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;

/**
 * A read_committed consumer of one topic in the driver's JVM: counts distinct event ids (header {@code id}) and
 * records latencies of events whose intended time is at or after {@link #measureFrom(long)}.
 */
final class BenchConsumer implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final Set<ByteBuffer> seen = new HashSet<>();
    private final AtomicLong distinct = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong firstMicros = new AtomicLong(-1);
    private final AtomicLong lastMicros = new AtomicLong(-1);
    private final AtomicLong windowFirstMicros = new AtomicLong(-1);
    private final AtomicLong lastCommitLatency = new AtomicLong(-1);
    private final AtomicLong measured = new AtomicLong();
    private volatile long measureFromMicros = Long.MAX_VALUE;
    private volatile boolean running = true;
    // Microseconds, up to an hour, 3 significant digits.
    private final Histogram fromCommit = new Histogram(3_600_000_000L, 3);
    private final Histogram fromSchedule = new Histogram(3_600_000_000L, 3);
    // Worst commit -> consume latency of the measured events, by second of their schedule (the first ten minutes).
    private final long[] worstBySecond = new long[600];

    BenchConsumer(String bootstrap, String topic) {
        consumer = TopicFromStart.open(bootstrap, topic, 100);
        thread = new Thread(this::loop, "bench-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
            if (records.isEmpty()) {
                continue;
            }
            long now = Clock.nowMicros();
            long from = measureFromMicros;
            for (ConsumerRecord<byte[], byte[]> record : records) {
                Header id = record.headers().lastHeader("id");
                ByteBuffer key = ByteBuffer.wrap(id == null ? UUID.randomUUID().toString().getBytes() : id.value());
                if (!seen.add(key)) {
                    duplicates.incrementAndGet();
                    continue;
                }
                byte[] value = record.value();
                long t = value == null ? -1 : Payloads.field(value, 't');
                long s = value == null ? -1 : Payloads.field(value, 's');
                if (t > 0) {
                    lastCommitLatency.set(Math.max(0, now - t));
                }
                if (s >= from && t > 0) {
                    synchronized (this) {
                        fromCommit.recordValue(Math.max(0, now - t));
                        fromSchedule.recordValue(Math.max(0, now - s));
                        int second = (int) ((s - from) / 1_000_000);
                        if (second < worstBySecond.length) {
                            worstBySecond[second] = Math.max(worstBySecond[second], now - t);
                        }
                    }
                    measured.incrementAndGet();
                }
                firstMicros.compareAndSet(-1, now);
                windowFirstMicros.compareAndSet(-1, now);
                lastMicros.set(now);
                distinct.incrementAndGet();
            }
        }
    }

    void measureFrom(long micros) {
        measureFromMicros = micros;
    }

    /**
     * Starts a new latency window: the histograms and the measured count start empty and count the events scheduled
     * from {@code micros} on. Call it while no measured event is in flight.
     */
    synchronized void restartMeasurement(long micros) {
        fromCommit.reset();
        fromSchedule.reset();
        java.util.Arrays.fill(worstBySecond, 0);
        measured.set(0);
        measureFromMicros = micros;
    }

    /** Starts a new window: {@link #windowFirstMicros} becomes the arrival of the next distinct event. */
    void markWindow() {
        windowFirstMicros.set(-1);
    }

    /** When the first distinct event after {@link #markWindow} (or the first ever) arrived; -1 until then. */
    long windowFirstMicros() {
        return windowFirstMicros.get();
    }

    long distinct() {
        return distinct.get();
    }

    long duplicates() {
        return duplicates.get();
    }

    long measured() {
        return measured.get();
    }

    long firstMicros() {
        return firstMicros.get();
    }

    long lastMicros() {
        return lastMicros.get();
    }

    /** Commit -> consume latency of the newest distinct event, in microseconds. */
    long lastCommitLatencyMicros() {
        return lastCommitLatency.get();
    }

    /** The worst commit -> consume latency (ms) of each second of the window, up to the last second measured. */
    synchronized String worstMillisBySecond() {
        int last = worstBySecond.length - 1;
        while (last > 0 && worstBySecond[last] == 0) {
            last--;
        }
        StringBuilder out = new StringBuilder();
        for (int second = 0; second <= last; second++) {
            out.append(second == 0 ? "" : " ").append(worstBySecond[second] / 1000);
        }
        return out.toString();
    }

    synchronized Histogram fromCommit() {
        return fromCommit.copy();
    }

    synchronized Histogram fromSchedule() {
        return fromSchedule.copy();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
