package dev.outbox.bench;

import java.time.Instant;

/** Wall-clock microseconds: the same clock PostgreSQL's clock_timestamp() reads on this machine. */
final class Clock {
    private Clock() {
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    static void sleepUntilMicros(long micros) {
        long waitMicros;
        while ((waitMicros = micros - nowMicros()) > 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(waitMicros * 1_000L);
        }
    }
}
