package dev.outbox.consumer;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that runs {@link PollLoop}s: when one dies (an unexpected error from Kafka, a bug), it is closed and a
 * new one, with a new Kafka consumer, takes over after a backoff that grows while restarts fail before their first
 * poll. Its state is what {@link EventConsumer#health()} shows.
 */
final class RestartingRunner {

    private static final Logger log = LoggerFactory.getLogger(RestartingRunner.class);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(30);

    private final String group;
    private final Supplier<PollLoop> newLoop;
    private final IntFunction<Duration> restartBackoff;
    private final Runnable onExit;
    private final Thread thread;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile PollLoop first;
    private volatile PollLoop current;
    private volatile boolean active;
    private volatile int restarts;
    private volatile String lastError;
    private volatile Instant lastErrorAt;

    /**
     * @param first          the loop to run first (built by the caller, so bad settings fail at start)
     * @param newLoop        builds the loop of a restart
     * @param restartBackoff the wait before the n-th consecutive restart
     * @param onExit         runs once on the thread, after the last loop closed
     */
    RestartingRunner(String group, PollLoop first, Supplier<PollLoop> newLoop, IntFunction<Duration> restartBackoff,
                     Runnable onExit) {
        this.group = group;
        this.first = first;
        this.newLoop = newLoop;
        this.restartBackoff = restartBackoff;
        this.onExit = onExit;
        this.thread = new Thread(this::run, "outbox-consumer-" + group);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    boolean isAlive() {
        return thread.isAlive();
    }

    EventConsumer.Health health() {
        return new EventConsumer.Health(active && thread.isAlive(), restarts, lastError, lastErrorAt);
    }

    Set<TopicPartition> assignment() {
        PollLoop loop = current;
        return loop == null ? Set.of() : loop.assignment();
    }

    /** Stops the loop after the record in progress and waits for the thread; idempotent. */
    void close() {
        closing.countDown();
        PollLoop loop = current;
        if (loop != null) {
            loop.stop();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(JOIN_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean closing() {
        return closing.getCount() == 0;
    }

    private void run() {
        int consecutive = 0;
        try {
            while (!closing()) {
                PollLoop loop = nextLoop();
                if (loop == null) {
                    consecutive++;
                } else {
                    Throwable failure = runToEnd(loop);
                    if (failure == null || closing()) {
                        break;
                    }
                    consecutive = loop.hasPolled() ? 1 : consecutive + 1;
                }
                waitBeforeRestart(consecutive);
            }
        } finally {
            active = false;
            onExit.run();
            log.info("Consumer group {} stopped", group);
        }
    }

    /** The loop to run next, or null (recorded as a failure) when building it failed. */
    private PollLoop nextLoop() {
        PollLoop loop = first;
        first = null;
        if (loop != null) {
            return loop;
        }
        try {
            return newLoop.get();
        } catch (RuntimeException e) {
            failed(e);
            return null;
        }
    }

    /** Runs a loop until it stops or dies; returns what killed it, null after a requested stop. */
    private Throwable runToEnd(PollLoop loop) {
        current = loop;
        active = true;
        try {
            if (closing()) {
                return null; // close() may have missed this loop: it was not current yet
            }
            loop.subscribe();
            loop.run();
            return null;
        } catch (RuntimeException | Error e) {
            failed(e);
            return e;
        } finally {
            active = false;
            loop.close();
        }
    }

    private void failed(Throwable e) {
        if (closing()) {
            return;
        }
        restarts++;
        lastError = e.toString();
        lastErrorAt = Instant.now();
        log.error("Consumer group {}: the runner failed; restarting it (restart {})", group, restarts, e);
    }

    private void waitBeforeRestart(int consecutive) {
        try {
            closing.await(restartBackoff.apply(consecutive).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing.countDown(); // an interrupted runner thread is a request to stop
        }
    }
}
