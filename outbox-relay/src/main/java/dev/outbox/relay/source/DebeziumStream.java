package dev.outbox.relay.source;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slot read by Debezium Embedded (async engine, PostgreSQL connector, pgoutput), turned back into the whole
 * transactions the relay works with: a BEGIN and a COMMIT (end LSN) from Debezium's transaction metadata around each
 * transaction's outbox inserts.
 *
 * <p>Positions: Debezium starts at the slot's confirmed position ({@link SlotOffsetStore}); the slot moves only to
 * the transaction ends the relay {@link #confirm confirms}, passed to Debezium as the offset of a record it marks
 * processed. Debezium flushes that offset's {@code lsn_commit} to the slot. The engine runs its consumer on its own
 * thread, which hands batches to the relay's thread through a bounded queue (the backpressure) and marks the latest
 * confirmed position at each call; heartbeat records make sure there is a call while the outbox is idle.
 *
 * <p>Debezium learns positions only from messages, so with the outbox idle and other tables busy nothing would move
 * the slot. {@link #idle} then writes a non-transactional logical decoding message (a few bytes of WAL) when the slot
 * holds back more than {@link #IDLE_WAL_SLACK_BYTES}; its position comes back as a row-less transaction end. The same
 * message moves the slot's restart position after a burst of outbox rows: PostgreSQL advances it only to a
 * running-transactions record (logged within 15 s of activity, and at checkpoints) that the client confirmed beyond,
 * and a relay whose outbox went quiet confirms nothing past the burst's last commit, so a restart would decode the
 * whole burst again.
 */
final class DebeziumStream implements ChangeStream {

    private static final Logger log = LoggerFactory.getLogger(DebeziumStream.class);
    /** The prefix of the relay's own logical decoding messages (the only ones Debezium is asked to pass on). */
    static final String MESSAGE_PREFIX = "outbox-relay";
    private static final long IDLE_WAL_SLACK_BYTES = 1 << 20;
    /** Debezium's heartbeat: how often its consumer is called while idle, i.e. how late a confirmation may reach it. */
    private static final Duration TICK = Duration.ofMillis(200);
    /** Debezium's byte bound of its own queue; the relay bounds the queue to its thread by the same figure. */
    static final String QUEUE_BYTES = "max.queue.size.in.bytes";

    private final String slot;
    private final SlotPosition slotPosition;
    private final BlockingQueue<Batch> batches = new ArrayBlockingQueue<>(64);
    /** Most bytes of column values queued for the relay thread ({@code max.queue.size.in.bytes}; 0: no bound). */
    private final long maxQueuedBytes;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private final ExecutorService runner;

    // Engine thread.
    private final DebeziumRecords records;

    // Relay thread.
    private final OutboxTransactions transactions;
    /** Messages handed from the engine thread, with the bytes of their column values. */
    private record Batch(List<PgOutputMessage> messages, long bytes) {
    }

    private List<PgOutputMessage> current = List.of();
    private int index;
    /** A batch {@link #awaitMessage} took from the queue, for the next {@link #poll}. */
    private Batch awaited;
    private long receivedPosition;
    private boolean idleMessageRefused;

    private volatile long confirmedPosition;
    /** The last confirmed position handed to Debezium (written by the engine thread only). */
    private volatile long flushRequestedPosition;
    private volatile boolean closing;
    private volatile String stopReason;
    private volatile Throwable stopError;

    DebeziumStream(Properties engineProperties, String slot, String schema, String table, long startPosition,
            SlotPosition slotPosition) {
        this.slot = slot;
        this.slotPosition = slotPosition;
        this.records = new DebeziumRecords(engineProperties.getProperty("topic.prefix"), schema, table);
        this.maxQueuedBytes = Long.parseLong(engineProperties.getProperty(QUEUE_BYTES, "0"));
        this.transactions = new OutboxTransactions(schema, table);
        this.receivedPosition = startPosition;
        this.confirmedPosition = startPosition;
        this.flushRequestedPosition = startPosition;
        this.engine = DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(engineProperties)
                .notifying(this::handleBatch)
                .using((success, message, error) -> {
                    // stopError first: readers test stopReason, then read stopError.
                    stopError = error;
                    stopReason = message == null ? "no reason given" : message;
                    if (!closing) {
                        log.warn("Debezium engine stopped: {}", message, error);
                    }
                })
                .build();
        this.runner = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("outbox-debezium-" + slot)
                .daemon().unstarted(r));
        runner.execute(engine);
    }

    /** Engine properties: the relay's slot and publication, no snapshot, inserts only, tuned for latency. */
    static Properties engineProperties(DatabaseAddress address, String user, String password, String slot,
            String publication, String schema, String table, long startPosition, Map<String, String> overrides) {
        Properties p = new Properties();
        p.put("name", "outbox-relay-" + slot);
        // Debezium's PostgreSQL connector, whose poll waits for an event instead of spinning (WakingQueue).
        p.put("connector.class", WakingPostgresConnector.class.getName());
        p.put("queue.provider.type", WakingQueue.TYPE);
        p.put("offset.storage", SlotOffsetStore.class.getName());
        p.put(SlotOffsetStore.START_POSITION, Long.toString(startPosition));
        // Every marked position is flushed at once: marks happen only when the relay confirmed something new.
        p.put("offset.flush.interval.ms", "0");
        // One host: of a multi-host OUTBOX_DB_URL, the current primary (SourceDatabase resolves it at every open).
        p.put("database.hostname", address.host());
        p.put("database.port", Integer.toString(address.port()));
        p.put("database.dbname", address.database());
        p.put("database.user", user);
        p.put("database.password", password);
        p.put("database.tcpKeepAlive", "true");
        // TLS and every other parameter of OUTBOX_DB_URL: Debezium builds its own URL from host, port and database.
        p.putAll(address.connectorSettings());
        p.put("topic.prefix", slot);
        p.put("plugin.name", "pgoutput");
        p.put("slot.name", slot);
        // The relay creates the slot (a failover slot on PostgreSQL 17+); should Debezium ever create it, the same.
        p.put("slot.failover", "true");
        p.put("publication.name", publication);
        // The relay's start checks create or verify the publication (FOR TABLE outbox, inserts only) and the slot.
        p.put("publication.autocreate.mode", "disabled");
        p.put("table.include.list", java.util.regex.Pattern.quote(schema + "." + table));
        p.put("snapshot.mode", "no_data");
        p.put("skipped.operations", "u,d,t");
        p.put("provide.transaction.metadata", "true");
        p.put("message.prefix.include.list", java.util.regex.Pattern.quote(MESSAGE_PREFIX));
        p.put("tombstones.on.delete", "false");
        p.put("heartbeat.interval.ms", Long.toString(TICK.toMillis()));
        // Debezium's queue hands over a batch when max.batch.size rows are in or poll.interval.ms has passed since
        // the poll began (its default of 500 ms is the latency trap). The relay's task decides when to poll instead:
        // once a whole transaction is queued (WakingPostgresTask), so every row would wait out the interval for
        // nothing; 1 ms is the least Debezium accepts (its clock counts whole milliseconds, so 1-2 ms). An idle
        // relay does not poll, so it does not spin through the end of each interval. Batches of 256 fill at once
        // while a backlog streams. The interval also paces Debezium's streaming thread while its queue is full.
        p.put("poll.interval.ms", "1");
        p.put("max.batch.size", "256");
        p.put("max.queue.size", "32768");
        p.put("status.update.interval.ms", "1000");
        // Per-row work Debezium does for nothing here (together about a third of its streaming thread's CPU, plus
        // a thread that took a lag sample per row): a lean source block without the lag timestamp (LeanSourceInfo),
        // and created_at as the RFC 3339 text the relay sends instead of re-printed through formatters built per
        // value (CreatedAtAsRfc3339); no latency statistics.
        p.put("sourceinfo.struct.maker", LeanSourceInfo.class.getName());
        p.put("converters", "outbox");
        p.put("outbox.type", CreatedAtAsRfc3339.class.getName());
        p.put("statistics.metrics.enabled", "false");
        p.put("record.processing.threads", "1");
        p.put("record.processing.order", "ORDERED");
        // A failure ends the engine; the relay reconnects with its own backoff and re-checks the slot (fail closed).
        p.put("errors.max.retries", "0");
        p.put("slot.max.retries", "1");
        p.put("slot.retry.delay.ms", "500");
        p.putAll(overrides);
        return p;
    }

    private void handleBatch(List<RecordChangeEvent<SourceRecord>> events,
            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer) throws InterruptedException {
        List<PgOutputMessage> messages = new ArrayList<>(events.size() + 2);
        for (RecordChangeEvent<SourceRecord> event : events) {
            records.translate(event.record(), messages);
        }
        if (!messages.isEmpty()) {
            Batch batch = new Batch(messages, valueBytes(messages));
            // Past the byte bound, wait until the relay thread has taken the queued batches (one always passes).
            while ((maxQueuedBytes > 0 && queuedBytes.get() > 0 && queuedBytes.get() + batch.bytes() > maxQueuedBytes)
                    || !batches.offer(batch, 100, TimeUnit.MILLISECONDS)) {
                if (closing) {
                    return;
                }
                if (maxQueuedBytes > 0 && queuedBytes.get() > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                }
            }
            queuedBytes.addAndGet(batch.bytes());
        }
        long confirmed = confirmedPosition;
        if (confirmed > flushRequestedPosition && !events.isEmpty()) {
            DebeziumEngine.Offsets offsets = committer.buildOffsets();
            offsets.set("lsn", confirmed);
            offsets.set("lsn_commit", confirmed);
            committer.markProcessed(events.getLast(), offsets);
            committer.markBatchFinished();
            flushRequestedPosition = confirmed;
        }
    }

    @Override
    public boolean poll(Handler handler) throws SQLException, InterruptedException {
        if (index == current.size()) {
            Batch batch = awaited != null ? awaited : batches.poll();
            awaited = null;
            if (batch == null) {
                if (stopReason != null) {
                    throw new SQLException("Debezium engine stopped: " + stopped(), stopError);
                }
                return false;
            }
            queuedBytes.addAndGet(-batch.bytes());
            current = batch.messages();
            index = 0;
        }
        PgOutputMessage message = current.get(index++);
        if (message instanceof PgOutputMessage.Commit commit) {
            receivedPosition = commit.endLsn();
        }
        transactions.accept(message, handler);
        return true;
    }

    /**
     * Waits for the engine thread's next batch (at most {@link #LONGEST_IDLE_WAIT_MILLIS}) rather than the default
     * short sleep: an idle relay thread wakes about ten times a second instead of two hundred, and the first row after
     * a silence is handed over the moment the engine queues it.
     */
    @Override
    public void awaitMessage() throws InterruptedException {
        if (index == current.size() && awaited == null && stopReason == null) {
            awaited = batches.poll(LONGEST_IDLE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public boolean inTransaction() {
        return transactions.inTransaction();
    }

    private static long valueBytes(List<PgOutputMessage> messages) {
        long bytes = 0;
        for (PgOutputMessage message : messages) {
            if (message instanceof PgOutputMessage.Insert insert) {
                for (String value : insert.values()) {
                    bytes += value == null ? 0 : value.length();
                }
            }
        }
        return bytes;
    }

    static String rootCause(Throwable error) {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    /** Why the engine stopped, or {@code null} while it runs. */
    String stopped() {
        return stopReason == null ? null
                : stopReason + (stopError == null ? "" : " (" + rootCause(stopError) + ")");
    }

    @Override
    public void confirm(long lsn) {
        if (lsn > confirmedPosition) {
            confirmedPosition = lsn;
        }
    }

    @Override
    public long receivedPosition() {
        return receivedPosition;
    }

    @Override
    public void idle(Connection monitoring) throws SQLException {
        // Written when the slot holds back other tables' WAL (confirmed position behind), or keeps the WAL of an
        // already relayed burst for its restart position while something (a running-transactions record) follows it.
        try (PreparedStatement statement = monitoring.prepareStatement("""
                SELECT pg_logical_emit_message(false, ?, '')
                  FROM pg_replication_slots
                 WHERE slot_name = ?
                   AND (pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) > ?
                        OR (pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) > ?
                            AND pg_current_wal_lsn() > confirmed_flush_lsn))""")) {
            statement.setString(1, MESSAGE_PREFIX);
            statement.setString(2, slot);
            statement.setLong(3, IDLE_WAL_SLACK_BYTES);
            statement.setLong(4, IDLE_WAL_SLACK_BYTES);
            statement.execute();
        } catch (SQLException e) {
            if (!"42501".equals(e.getSQLState())) {
                throw e;
            }
            if (!idleMessageRefused) {
                idleMessageRefused = true;
                log.warn("the relay's role may not write a logical decoding message ({}), so while the outbox is idle "
                        + "the slot retains the WAL other tables write. Fix: GRANT EXECUTE ON FUNCTION "
                        + "pg_logical_emit_message(boolean, text, text) TO the relay's role", e.getMessage());
            }
        }
    }

    /** The slot's confirmed_flush_lsn as the server reports it. */
    @FunctionalInterface
    interface SlotPosition {
        long read() throws SQLException;
    }

    /**
     * Hands the last confirmed position to Debezium and waits (5 s at most) until the server reports the slot there,
     * so a clean stop repeats nothing; then stops the engine.
     */
    @Override
    public void close() throws SQLException {
        long target = confirmedPosition;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long slotAt = 0;
        while (stopReason == null && System.nanoTime() < deadline
                && (flushRequestedPosition < target || (slotAt = slotPosition.read()) < target)) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        if (slotAt < target && stopReason == null) {
            log.warn("the slot did not reach the last confirmed position {} before Debezium stopped; rows after {} "
                    + "may be sent again", target, slotAt);
        }
        closing = true;
        try {
            engine.close();
        } catch (java.io.IOException e) {
            throw new SQLException("stopping Debezium failed: " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            // An engine that stopped by itself (its connection lost, e.g. at a PostgreSQL failover) refuses close();
            // there is nothing left to stop, and the relay reconnects as after any stream failure.
            if (e.getMessage() == null || !e.getMessage().contains("already shut down")) {
                throw e;
            }
            log.debug("Debezium engine already shut down: {}", e.getMessage());
        } finally {
            runner.shutdown();
            try {
                if (!runner.awaitTermination(30, TimeUnit.SECONDS)) {
                    log.warn("Debezium engine did not stop within 30 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
