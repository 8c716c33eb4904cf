package dev.outbox.relay;

import dev.outbox.relay.source.SourceDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the WAL the slot retains ({@code outbox_relay_slot_retained_wal_bytes}) on a thread of its own, so the
 * figure stays current exactly when it matters: while the relay thread waits for Kafka and the slot stands still.
 */
final class RetainedWalSampler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RetainedWalSampler.class);
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    private final SourceDatabase source;
    private final RelayMetrics metrics;
    private final long intervalNanos;
    private final Thread thread;
    private volatile boolean closed;

    private RetainedWalSampler(SourceDatabase source, RelayMetrics metrics, String relayName) {
        this.source = source;
        this.metrics = metrics;
        this.intervalNanos = INTERVAL.toNanos();
        this.thread = Thread.ofPlatform().daemon().name("outbox-relay-wal-" + relayName).unstarted(this::run);
    }

    /** Samples every 5 s until closed. */
    static RetainedWalSampler start(SourceDatabase source, RelayMetrics metrics, String relayName) {
        RetainedWalSampler sampler = new RetainedWalSampler(source, metrics, relayName);
        sampler.thread.start();
        return sampler;
    }

    private void run() {
        while (!closed) {
            try (Connection connection = source.monitoringConnection()) {
                while (!closed) {
                    source.retainedWalBytes(connection).ifPresent(metrics::retainedWal);
                    LockSupport.parkNanos(intervalNanos);
                }
            } catch (SQLException e) {
                // The relay thread reports a lost database; the figure just keeps its last value meanwhile.
                log.debug("sampling the slot's retained WAL failed: {}", e.getMessage());
                LockSupport.parkNanos(intervalNanos);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }
}
