package dev.outbox.relay.source;

import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.PostgresConnectorTask;
import io.debezium.connector.postgresql.PostgresOffsetContext;
import io.debezium.connector.postgresql.PostgresPartition;
import io.debezium.pipeline.ChangeEventSourceCoordinator;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Debezium's PostgreSQL task, whose poll first waits without spinning until its {@link WakingQueue} holds a batch
 * worth taking: a whole transaction, a full batch, or what came within {@link #BATCH_DELAY_NANOS} of the first event.
 * Debezium's own poll then takes what is queued and returns once its {@code poll.interval.ms} (1 ms) runs out,
 * without spinning through its last millisecond ({@link WakingQueue#size}).
 * Its streaming thread, idle, waits on the replication connection instead of sleeping ({@link WakingStreamPause}),
 * and does not print every event for a metric the relay never reads ({@link UnsummarizedEvents}).
 * Public for Debezium, which creates tasks by reflection.
 */
public final class WakingPostgresTask extends PostgresConnectorTask {

    /**
     * The longest wait for a first event before Debezium's own poll runs anyway: the streaming thread reports a
     * failure to that poll (not by queueing), and Debezium's heartbeats queue an event more often than this while it
     * streams.
     */
    private static final long LONGEST_WAIT_NANOS = Duration.ofMillis(500).toNanos();
    /**
     * How long queued events that end no transaction wait for more before Debezium polls them: its heartbeats, the
     * head of a transaction longer than a batch, a queue at its byte bound (whose streaming thread cannot queue the
     * transaction's end until this poll makes room), a failure reported after a partial transaction.
     */
    private static final long BATCH_DELAY_NANOS = Duration.ofMillis(5).toNanos();

    private volatile WakingQueue<?> queue;
    private volatile ChangeEventSourceCoordinator<PostgresPartition, PostgresOffsetContext> coordinator;
    /** Set once Debezium's streaming source has the {@link WakingStreamPause} (or cannot have it). */
    private boolean streamPauseInstalled;

    @Override
    public ChangeEventSourceCoordinator<PostgresPartition, PostgresOffsetContext> start(Configuration config) {
        ChangeEventSourceCoordinator<PostgresPartition, PostgresOffsetContext> coordinator = super.start(config);
        queue = WakingQueue.of(config.getString("name"));
        UnsummarizedEvents.install(coordinator);
        this.coordinator = coordinator;
        return coordinator;
    }

    @Override
    public List<SourceRecord> doPoll() throws InterruptedException {
        if (!streamPauseInstalled && coordinator != null) {
            // The streaming source exists only once the coordinator's thread has started streaming; this poll
            // runs at least every LONGEST_WAIT_NANOS, so it is installed within that of the stream's start.
            streamPauseInstalled = WakingStreamPause.install(coordinator);
        }
        WakingQueue<?> waking = queue;
        if (waking == null) {
            return super.doPoll();
        }
        waking.awaitBatch(LONGEST_WAIT_NANOS, BATCH_DELAY_NANOS);
        waking.debeziumPollBegins();
        try {
            return super.doPoll();
        } finally {
            waking.debeziumPollEnded();
        }
    }
}
