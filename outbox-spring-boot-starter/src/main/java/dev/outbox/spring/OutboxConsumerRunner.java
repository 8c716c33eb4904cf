package dev.outbox.spring;

import dev.outbox.consumer.EventConsumer;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the application's {@link EventConsumer} with the application context and closes it on shutdown. The
 * consumer is built from every {@link OutboxConsumerConfigurer} bean on a builder the starter prepared (data
 * source, Spring transactions, meter registry, {@code outbox.consumer.*}).
 */
public final class OutboxConsumerRunner implements SmartLifecycle {

    private final Supplier<EventConsumer.Builder> builders;
    private final List<OutboxConsumerConfigurer> configurers;
    private volatile EventConsumer consumer;

    OutboxConsumerRunner(Supplier<EventConsumer.Builder> builders, List<OutboxConsumerConfigurer> configurers) {
        this.builders = builders;
        this.configurers = List.copyOf(configurers);
    }

    @Override
    public synchronized void start() {
        if (consumer == null) {
            EventConsumer.Builder builder = builders.get();
            configurers.forEach(configurer -> configurer.configure(builder));
            consumer = builder.start();
        }
    }

    @Override
    public synchronized void stop() {
        if (consumer != null) {
            consumer.close();
            consumer = null;
        }
    }

    @Override
    public boolean isRunning() {
        return consumer != null;
    }

    /** The running consumer, or {@code null} before start and after stop. */
    public EventConsumer consumer() {
        return consumer;
    }
}
