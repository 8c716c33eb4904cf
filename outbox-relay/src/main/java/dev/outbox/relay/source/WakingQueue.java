package dev.outbox.relay.source;

import io.debezium.connector.base.QueueProvider;
import io.debezium.pipeline.DataChangeEvent;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Debezium's in-memory change event queue ({@code queue.provider.type=outbox-relay}), which also tells the relay's
 * task when a batch is worth polling ({@link #awaitBatch}): once a whole transaction is queued.
 *
 * <p>Why: Debezium's {@code ChangeEventQueue.poll} returns a batch that is not full only when its
 * {@code poll.interval.ms} runs out (counted in whole milliseconds of the wall clock), and spins, holding its lock,
 * through the last millisecond of each wait. An idle engine polls again at once, so a short interval spins a good part
 * of a CPU while nothing happens, and a long one delays every row by the whole interval. {@link WakingPostgresTask}
 * waits here instead, without spinning, until the streaming thread has queued a transaction's end (its END marker,
 * or the relay's own position message), a full batch, or the first item has waited {@code batchDelayNanos}; only
 * then does Debezium poll, with an interval of a millisecond, so its poll takes the whole transaction and returns.
 *
 * <p>Debezium's poll spins through the last millisecond of its interval: it asks this queue for its {@link #size}
 * in a loop, holding its own lock, which the streaming thread needs to queue anything. Nothing can arrive meanwhile,
 * so {@link #size} asked by the polling thread of an empty queue, once the poll's first millisecond has passed, parks
 * until the wall clock's millisecond turns (the unit of Debezium's poll timer) instead of answering at once; the poll
 * then returns the same batch at the same moment, without the spin. Were Debezium ever to ask otherwise, such an
 * answer would only come up to a millisecond late.
 *
 * <p>Debezium creates the provider by {@link java.util.ServiceLoader} when the task starts, so the task finds it by
 * the connector's {@code name}. Public for the service loader only.
 *
 * @param <T> Debezium's event type ({@link DataChangeEvent})
 */
public final class WakingQueue<T> implements QueueProvider<T> {

    static final String TYPE = "outbox-relay";
    /** Debezium's default {@code max.batch.size}, should the configuration not name one. */
    private static final int DEBEZIUMS_MAX_BATCH_SIZE = 2048;
    private static final Map<String, WakingQueue<?>> BY_CONNECTOR = new ConcurrentHashMap<>();

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a poll may be due: a first item, a transaction's end, a full batch, the queue closing. */
    private final Condition batchReady = lock.newCondition();
    private final ArrayDeque<T> items = new ArrayDeque<>();
    /** How many of the oldest items end with a transaction's end: those make a batch worth polling at once. */
    private int itemsThroughLastEnd;
    /** When the queue last went from empty to holding an item ({@link System#nanoTime}). */
    private long firstItemQueuedAt;
    private int maxBatchSize = DEBEZIUMS_MAX_BATCH_SIZE;
    private String transactionTopic;
    private String messageTopic;
    private String connector;
    private boolean closed;
    /** The thread inside Debezium's poll ({@link #debeziumPollBegins}), or {@code null}. */
    private volatile Thread pollingThread;
    private volatile long pollBeganAtMillis;

    /** The queue Debezium created for the connector of this {@code name}, or {@code null}. */
    static WakingQueue<?> of(String connector) {
        return BY_CONNECTOR.get(connector);
    }

    @Override
    public String name() {
        return TYPE;
    }

    /** Called with the connector's configuration: its {@code name}, {@code topic.prefix}, {@code max.batch.size}. */
    @Override
    public void configure(Map<String, ?> properties) {
        Object topicPrefix = properties.get("topic.prefix");
        if (topicPrefix != null) {
            // Debezium's default topic names, which DebeziumRecords reads too.
            transactionTopic = topicPrefix + ".transaction";
            messageTopic = topicPrefix + ".message";
        }
        Object batchSize = properties.get("max.batch.size");
        if (batchSize != null) {
            maxBatchSize = Integer.parseInt(batchSize.toString());
        }
        connector = String.valueOf(properties.get("name"));
        BY_CONNECTOR.put(connector, this);
    }

    @Override
    public void enqueue(T item) {
        boolean endsTransaction = endsTransaction(item);
        lock.lock();
        try {
            if (items.isEmpty()) {
                firstItemQueuedAt = System.nanoTime();
                batchReady.signal();
            }
            items.add(item);
            if (endsTransaction) {
                itemsThroughLastEnd = items.size();
                batchReady.signal();
            } else if (items.size() == maxBatchSize) {
                batchReady.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public T poll() {
        lock.lock();
        try {
            T item = items.poll();
            if (item != null && itemsThroughLastEnd > 0) {
                itemsThroughLastEnd--;
            }
            return item;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int size() {
        int size;
        lock.lock();
        try {
            size = items.size();
        } finally {
            lock.unlock();
        }
        if (size == 0 && Thread.currentThread() == pollingThread) {
            waitOutDebeziumsSpin();
        }
        return size;
    }

    /** The calling thread now runs Debezium's poll on this queue, until {@link #debeziumPollEnded}. */
    void debeziumPollBegins() {
        pollBeganAtMillis = System.currentTimeMillis();
        pollingThread = Thread.currentThread();
    }

    void debeziumPollEnded() {
        pollingThread = null;
    }

    /**
     * Parks until the wall clock's next millisecond, unless the poll is still in its first one (then Debezium waits,
     * releasing its lock, rather than spins).
     */
    private void waitOutDebeziumsSpin() {
        Instant now = Instant.now();
        long millisecond = now.toEpochMilli();
        if (millisecond <= pollBeganAtMillis) {
            return;
        }
        while (now.toEpochMilli() == millisecond && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(1_000_000L - now.getNano() % 1_000_000L);
            now = Instant.now();
        }
    }

    /**
     * Waits until a batch is worth polling: up to {@code longestWaitNanos} for a first item, then until a transaction's
     * end or {@code max.batch.size} items are queued, or the first item has waited {@code batchDelayNanos} (what
     * never ends a transaction: Debezium's heartbeats, a queue that reached its byte bound). Returns whether anything
     * is queued; returns at once when the queue closes.
     */
    boolean awaitBatch(long longestWaitNanos, long batchDelayNanos) throws InterruptedException {
        lock.lock();
        try {
            long left = longestWaitNanos;
            while (items.isEmpty() && !closed && left > 0) {
                left = batchReady.awaitNanos(left);
            }
            if (items.isEmpty()) {
                return false;
            }
            while (!closed && itemsThroughLastEnd == 0 && items.size() < maxBatchSize) {
                long delayLeft = firstItemQueuedAt + batchDelayNanos - System.nanoTime();
                if (delayLeft <= 0) {
                    break;
                }
                batchReady.awaitNanos(delayLeft);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** A transaction's END marker, or the relay's own logical decoding message (a row-less transaction end). */
    private boolean endsTransaction(T item) {
        if (!(item instanceof DataChangeEvent event) || transactionTopic == null) {
            return false;
        }
        SourceRecord record = event.getRecord();
        String topic = record.topic();
        if (topic.equals(messageTopic)) {
            return true;
        }
        return topic.equals(transactionTopic) && record.value() instanceof Struct value
                && "END".equals(value.getString("status"));
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            batchReady.signalAll();
        } finally {
            lock.unlock();
        }
        if (connector != null) {
            BY_CONNECTOR.remove(connector, this);
        }
    }
}
