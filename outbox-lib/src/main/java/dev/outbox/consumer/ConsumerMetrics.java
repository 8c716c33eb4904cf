package dev.outbox.consumer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The consumer's Micrometer meters, tagged with the group and the topic, created once each. */
final class ConsumerMetrics {

    static final String PROCESSED = "outbox.consumer.processed";
    static final String DUPLICATES = "outbox.consumer.duplicates";
    static final String IGNORED = "outbox.consumer.ignored";
    static final String RETRIES = "outbox.consumer.retries";
    static final String DEAD_LETTERED = "outbox.consumer.dead.lettered";
    static final String HANDLER = "outbox.consumer.handler";

    private final MeterRegistry registry;
    private final String group;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    ConsumerMetrics(MeterRegistry registry, String group) {
        this.registry = registry;
        this.group = group;
    }

    void increment(String counter, String topic) {
        counters.computeIfAbsent(counter + '\u0000' + topic, k -> Counter.builder(counter)
                .tags("group", group, "topic", topic).register(registry)).increment();
    }

    Timer handlerTimer(String topic) {
        return timers.computeIfAbsent(topic, t -> Timer.builder(HANDLER)
                .tags("group", group, "topic", t).register(registry));
    }
}
