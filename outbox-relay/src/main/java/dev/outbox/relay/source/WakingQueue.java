package dev.outbox.relay.source;

import io.debezium.connector.base.QueueProvider;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Debezium's in-memory change event queue ({@code queue.provider.type=outbox-relay}), which also wakes a poll that
 * waits for the first event ({@link #awaitItems}).
 *
 * <p>Why: Debezium's {@code ChangeEventQueue.poll} returns a batch that is not full only when its
 * {@code poll.interval.ms} runs out, and spins, holding its lock, through the last millisecond of each wait. An idle
 * engine polls again at once, so a short interval (the relay's latency) spins a good part of a CPU while nothing
 * happens. {@link WakingPostgresTask} waits here, without spinning, until the streaming thread queues something, and
 * only then lets Debezium poll; busy, events are already queued and nothing waits.
 *
 * <p>Debezium creates the provider by {@link java.util.ServiceLoader} when the task starts, so the task finds it by
 * the connector's {@code name}. Public for the service loader only.
 *
 * @param <T> Debezium's event type
 */
public final class WakingQueue<T> implements QueueProvider<T> {

    static final String TYPE = "outbox-relay";
    private static final Map<String, WakingQueue<?>> BY_CONNECTOR = new ConcurrentHashMap<>();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<T> items = new ArrayDeque<>();
    private String connector;
    private boolean closed;

    /** The queue Debezium created for the connector of this {@code name}, or {@code null}. */
    static WakingQueue<?> of(String connector) {
        return BY_CONNECTOR.get(connector);
    }

    @Override
    public String name() {
        return TYPE;
    }

    @Override
    public void configure(Map<String, ?> properties) {
        connector = String.valueOf(properties.get("name"));
        BY_CONNECTOR.put(connector, this);
    }

    @Override
    public void enqueue(T item) {
        lock.lock();
        try {
            items.add(item);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public T poll() {
        lock.lock();
        try {
            return items.poll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int size() {
        lock.lock();
        try {
            return items.size();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code nanos} until an item is queued or the queue closes; whether one is queued. */
    boolean awaitItems(long nanos) throws InterruptedException {
        lock.lock();
        try {
            long left = nanos;
            while (items.isEmpty() && !closed && left > 0) {
                left = notEmpty.awaitNanos(left);
            }
            return !items.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        if (connector != null) {
            BY_CONNECTOR.remove(connector, this);
        }
    }
}
