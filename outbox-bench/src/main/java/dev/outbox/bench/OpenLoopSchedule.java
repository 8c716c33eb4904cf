package dev.outbox.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The intended send time of every event of an open-loop writer: event i is due at start + i / rate, whatever
 * happened to event i-1. Latency is measured from this time, so a writer that falls behind (a stalled commit)
 * shows up as latency instead of silently lowering the rate (no coordinated omission).
 */
final class OpenLoopSchedule {

    private final long startMicros;
    private final double rate;
    private final long total;
    private final AtomicLong next = new AtomicLong();

    OpenLoopSchedule(long startMicros, double eventsPerSecond, long total) {
        if (eventsPerSecond <= 0 || total < 0) {
            throw new IllegalArgumentException("rate must be > 0 and total >= 0");
        }
        this.startMicros = startMicros;
        this.rate = eventsPerSecond;
        this.total = total;
    }

    /** The intended time, in epoch microseconds, of event {@code index}. */
    long intendedMicros(long index) {
        return startMicros + Math.round(index * 1_000_000.0 / rate);
    }

    /** Claims the next event for a writer thread; -1 once every event is claimed. */
    long claim() {
        long index = next.getAndIncrement();
        return index < total ? index : -1;
    }

    long total() {
        return total;
    }
}
