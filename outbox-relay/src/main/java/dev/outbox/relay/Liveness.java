package dev.outbox.relay;

import java.time.Duration;

/**
 * Whether the relay thread is alive in the sense {@code /health/live} means: it makes progress, or it waits for
 * something it knows about (Kafka's answer, a backoff, a reconnect) and says so at least every few seconds. A thread
 * that does neither for the liveness timeout is stuck, and only a restart helps.
 */
final class Liveness {

    /** When the thread last showed a sign of life; in the future while it is in a wait of known length. */
    private volatile long lastSign = System.nanoTime();

    /** The thread made progress, or is still in a wait it knows about. */
    void beat() {
        lastSign = System.nanoTime();
    }

    /** The thread starts a wait it knows about, of at most {@code duration}. */
    void waitingUpTo(Duration duration) {
        lastSign = System.nanoTime() + duration.toNanos();
    }

    /** No sign of life for longer than {@code timeout}. Safe to call from any thread. */
    boolean stuck(Duration timeout) {
        return System.nanoTime() - lastSign > timeout.toNanos();
    }

    /** Sleeps {@code millis} as a wait it knows about. */
    void sleep(long millis) {
        waitingUpTo(Duration.ofMillis(millis));
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sleeps {@code backoff} ms and returns the next one (doubled, 10 s at most). */
    long sleepBackoff(long backoff) {
        sleep(backoff);
        return Math.min(backoff * 2, 10_000);
    }
}
