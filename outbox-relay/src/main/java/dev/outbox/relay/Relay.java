package dev.outbox.relay;

import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Router;
import dev.outbox.relay.route.Routing;
import dev.outbox.relay.sink.KafkaSink;
import dev.outbox.relay.sink.PositionTopic;
import dev.outbox.relay.source.ChangeStream;
import dev.outbox.relay.source.PgOutputMessage;
import dev.outbox.relay.source.SourceCheckException;
import dev.outbox.relay.source.SourceDatabase;
import dev.outbox.relay.state.SlotGuard;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay loop: read committed outbox inserts from the slot, route them, send them, and confirm the slot only
 * up to the end of the last transaction whose every row Kafka has acknowledged.
 *
 * <p>Why this is safe: the server re-sends, on every (re)start, each transaction that commits after the slot's
 * confirmed position, whole and in commit order. Confirming only completed, acknowledged transactions therefore
 * never loses a row, whatever the crash; the rows sent but not yet confirmed (at most one batch) may be sent again.
 * Rows that share one WAL record (multi-row INSERT, COPY) are never split by a restart, since positions are only
 * ever transaction ends.
 */
public final class Relay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Relay.class);
    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(1);
    private static final Duration RETAINED_WAL_INTERVAL = Duration.ofSeconds(5);
    /** At-least-once: how often acknowledged rows move the slot (each move is a message to the server). */
    private static final Duration CONFIRM_INTERVAL = Duration.ofMillis(10);
    /** At-least-once: rows read in a row are handed to the producer in bursts of at most this many. */
    private static final int SEND_BURST = 5_000;
    /**
     * While the stream keeps delivering, the queued rows go to the producer at the first source transaction end after
     * the oldest of them waited this long (exactly-once: the Kafka transaction commits there). Needed because at a
     * steady 1,000 events/s the stream never seems to pause: pgjdbc's non-blocking read itself waits up to 1 ms for
     * more data, and Debezium hands over its rows in batches.
     */
    private static final long SEND_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final RelayConfig config;
    private final SourceDatabase source;
    private final Router router;
    private final RelayMetrics metrics;
    private final FaultInjection faults = FaultInjection.fromSystemProperties();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean streaming;
    private volatile Throwable failure;
    /** At-least-once: the rows in flight of the current stream, for the health check. */
    private volatile AckPipeline pipeline;
    private Thread thread;
    /** Exactly-once: end LSN of the last source transaction committed in Kafka; transactions before it are skipped. */
    private long committedPosition;

    public Relay(RelayConfig config) {
        this.config = config;
        this.source = new SourceDatabase(config.dbUrl(), config.dbUser(), config.dbPassword(), config.relayName(),
                config.publication(), config.tableSchema(), config.tableName(), new SlotGuard(
                        new PositionTopic(config.bootstrapServers(), config.positionTopic(), config.relayName()),
                        config.slotRecreate(), config.exactlyOnce(), config.table()));
        this.router = new Router(config.topicTemplate(), config.ceSource(),
                KafkaSink.maxRequestSize(config.producerSettings()));
        this.metrics = new RelayMetrics(config.relayName());
    }

    /** Runs the fail-closed checks on the calling thread (throws {@link SourceCheckException}), then streams. */
    public void start() {
        source.checkAndPrepare();
        thread = Thread.ofPlatform().name("outbox-relay-" + config.relayName()).start(this::runLoop);
    }

    private void runLoop() {
        // At-least-once: the stream (Debezium takes about a second to start) opens while the producer and Kafka are
        // checked; nothing is read from it before they are ready. Exactly-once opens it only after fencing.
        CompletableFuture<ChangeStream> opening = config.exactlyOnce() ? null : CompletableFuture.supplyAsync(() -> {
            try {
                return openStream();
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        }, runnable -> Thread.ofPlatform().name("outbox-relay-open-" + config.relayName()).start(runnable));
        try (KafkaSink sink = config.exactlyOnce()
                ? KafkaSink.createTransactional(config.bootstrapServers(), config.relayName(),
                        config.producerSettings(), config.dlqTopic(), config.positionTopic(), metrics)
                : KafkaSink.create(config.bootstrapServers(), "outbox-relay-" + config.relayName(),
                        config.producerSettings(), config.dlqTopic(), metrics)) {
            awaitKafka();
            if (sink.transactional()) {
                // Fences an older instance of this relay (its open transaction is aborted) before reading the slot.
                committedPosition = sink.initTransactions();
                log.info("exactly-once: committed source position in Kafka is {}", lsnText(committedPosition));
            }
            long backoff = 500;
            long slotBusySince = 0;
            while (!stopping) {
                CompletableFuture<ChangeStream> opened = opening;
                opening = null;
                try (ChangeStream stream = opened != null ? joined(opened) : openStream()) {
                    slotBusySince = 0;
                    streaming = true;
                    log.info("relay {} streaming {} (publication {}) to Kafka", config.relayName(), config.table(),
                            config.publication());
                    backoff = 500;
                    stream(stream, sink);
                } catch (KafkaSink.RetryFromSlotException e) {
                    // Not ready until a batch is acknowledged again (KafkaSink reports that).
                    metrics.kafkaAvailable(false);
                    log.warn("{}; re-reading from the slot's confirmed position", e.getMessage());
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 10_000);
                } catch (SQLException e) {
                    streaming = false;
                    if (stopping) {
                        break;
                    }
                    log.warn("replication stream lost ({}); reconnecting in {} ms", e.getMessage(), backoff);
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 10_000);
                    recheckSource();
                } catch (SourceCheckException e) {
                    // A fenced predecessor releases the slot as it exits: wait for that, a minute at most.
                    if (!e.isTransient()) {
                        throw e;
                    }
                    slotBusySince = slotBusySince == 0 ? System.nanoTime() : slotBusySince;
                    if (System.nanoTime() - slotBusySince > TimeUnit.SECONDS.toNanos(60)) {
                        throw e;
                    }
                    log.warn("{}; retrying", e.getMessage());
                    sleep(1_000);
                } finally {
                    streaming = false;
                }
            }
        } catch (SourceCheckException | KafkaSink.FencedException e) {
            log.error("relay {} stopped: {}", config.relayName(), e.getMessage());
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("relay {} failed: {}", config.relayName(), e.toString(), e);
            failure = e;
        } finally {
            if (opening != null) {
                closeWhenOpened(opening);
            }
            finished.countDown();
        }
    }

    private ChangeStream openStream() throws SQLException {
        return source.openStream(config.source(), STATUS_INTERVAL, config.debeziumSettings());
    }

    private static ChangeStream joined(CompletableFuture<ChangeStream> opening) throws SQLException {
        try {
            return opening.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    /** The relay ended before it used the stream it opened early: close it, or it would hold the slot. */
    private static void closeWhenOpened(CompletableFuture<ChangeStream> opening) {
        opening.thenAccept(stream -> {
            try {
                stream.close();
            } catch (SQLException e) {
                log.warn("closing the unused stream failed: {}", e.getMessage());
            }
        });
    }

    /** After a lost connection the slot may have been invalidated meanwhile: check again, fail closed if so. */
    private void recheckSource() {
        try {
            source.checkAndPrepare();
        } catch (SourceCheckException e) {
            if (e.isPermanent()) {
                throw e;
            }
            log.warn("source not ready yet: {}", e.getMessage());
        }
    }

    private void awaitKafka() throws InterruptedException {
        long backoff = 500;
        while (!stopping) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    config.bootstrapServers(), AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000))) {
                admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
                metrics.kafkaAvailable(true);
                return;
            } catch (Exception e) {
                if (e instanceof InterruptedException interrupted) {
                    throw interrupted;
                }
                metrics.kafkaAvailable(false);
                log.warn("Kafka at {} not reachable ({}); retrying in {} ms", config.bootstrapServers(),
                        e.getMessage(), backoff);
                sleep(backoff);
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    private void stream(ChangeStream stream, KafkaSink sink) throws SQLException, InterruptedException {
        Map<Integer, int[]> outboxColumns = new HashMap<>();
        Map<Integer, Boolean> isOutbox = new HashMap<>();
        // At-least-once streams rows to the producer as they are read; exactly-once collects the rows of whole
        // source transactions into one Kafka transaction.
        AckPipeline pipeline = sink.transactional() ? null : new AckPipeline(sink, config.batchMaxRecords());
        this.pipeline = pipeline;
        List<Routing> batch = new ArrayList<>();
        long batchStartedAt = 0;
        // Exactly-once: where the rows of the open source transaction start in the batch (see the COMMIT case).
        int transactionStartsAt = 0;
        PgOutputMessage.Begin transaction = null;
        long lastCommitEnd = 0;
        long confirmed = 0;
        long lastConfirmAt = System.nanoTime();
        long lastRetainedCheck = 0;
        long idleSince = System.nanoTime();
        try (Connection monitoring = source.monitoringConnection()) {
            // On stop, a transaction already begun is read to its commit (the server sends committed transactions
            // whole), so a clean stop leaves nothing half-sent to repeat.
            while (!stopping || transaction != null) {
                PgOutputMessage message = stream.next();
                if (message == null) {
                    long confirmable;
                    if (pipeline != null) {
                        pipeline.sendQueued();
                        pipeline.takeArrived();
                        confirmable = System.nanoTime() - lastConfirmAt >= CONFIRM_INTERVAL.toNanos()
                                ? confirmableOf(pipeline) : confirmed;
                    } else {
                        // Kafka transactions end at source transaction ends only.
                        if (!batch.isEmpty() && transaction == null) {
                            flush(batch, sink, lastCommitEnd);
                        }
                        // With a source transaction still open, the rows of the ones before it may not be committed
                        // in Kafka yet, so the slot may only go as far as the committed position.
                        confirmable = Math.min(lastCommitEnd, committedPosition);
                    }
                    if (confirmable > confirmed) {
                        confirm(stream, confirmable);
                        confirmed = confirmable;
                        lastConfirmAt = System.nanoTime();
                    } else if (transaction == null && (pipeline == null || pipeline.isEmpty())
                            && System.nanoTime() - lastConfirmAt > config.heartbeatInterval().toNanos()) {
                        // Idle: nothing in flight, so everything the server has sent so far is done. Confirming its
                        // position lets it recycle WAL written by other tables (the heartbeat).
                        long received = stream.receivedPosition();
                        if (received <= confirmed) {
                            stream.idle(monitoring);
                        } else {
                            if (sink.transactional()) {
                                // The Kafka position moves first, so the slot never passes it.
                                sink.sendTransaction(List.of(), received, () -> { });
                                committedPosition = received;
                            }
                            confirm(stream, received);
                            confirmed = received;
                        }
                        lastConfirmAt = System.nanoTime();
                    }
                    if (System.nanoTime() - lastRetainedCheck > RETAINED_WAL_INTERVAL.toNanos()) {
                        source.retainedWalBytes(monitoring).ifPresent(metrics::retainedWal);
                        lastRetainedCheck = System.nanoTime();
                    }
                    // Poll fast right after activity (latency), slower when idle for a while (CPU).
                    long idleNanos = System.nanoTime() - idleSince;
                    LockSupport.parkNanos(idleNanos < 200_000_000L ? 500_000L : 5_000_000L);
                    continue;
                }
                idleSince = System.nanoTime();
                switch (message) {
                    case PgOutputMessage.Begin begin -> {
                        transaction = begin;
                        transactionStartsAt = batch.size();
                    }
                    case PgOutputMessage.Relation relation -> {
                        boolean outbox = relation.namespace().equals(config.tableSchema())
                                && relation.name().equals(config.tableName());
                        isOutbox.put(relation.oid(), outbox);
                        if (outbox) {
                            outboxColumns.put(relation.oid(), columnIndexes(relation));
                        }
                    }
                    case PgOutputMessage.Insert insert -> {
                        if (Boolean.TRUE.equals(isOutbox.get(insert.relationOid())) && transaction != null) {
                            Routing routing = router.route(row(outboxColumns.get(insert.relationOid()), insert,
                                    transaction));
                            if (pipeline == null) {
                                if (batch.isEmpty()) {
                                    batchStartedAt = System.nanoTime();
                                }
                                batch.add(routing);
                            } else {
                                pipeline.add(routing);
                                sendWhenDue(pipeline, false);
                                if (pipeline.mustWait()) {
                                    // Bounds what a crash can repeat (and, in a huge transaction, what is held).
                                    pipeline.awaitRoom();
                                    long confirmable = confirmableOf(pipeline);
                                    if (confirmable > confirmed) {
                                        confirm(stream, confirmable);
                                        confirmed = confirmable;
                                        lastConfirmAt = System.nanoTime();
                                    }
                                }
                            }
                        }
                    }
                    case PgOutputMessage.Commit commit -> {
                        transaction = null;
                        if (pipeline == null && commit.endLsn() <= committedPosition) {
                            // Exactly-once after a restart: this transaction is already committed in Kafka (the slot
                            // may be behind Kafka's position), so its rows are dropped, not sent twice.
                            batch.subList(transactionStartsAt, batch.size()).clear();
                            continue;
                        }
                        lastCommitEnd = commit.endLsn();
                        if (pipeline != null) {
                            pipeline.transactionEnd(lastCommitEnd);
                            sendWhenDue(pipeline, true);
                        } else if (batch.size() >= config.batchMaxRecords() || (!batch.isEmpty()
                                && batch.size() < config.batchMaxRecords() / 10
                                && System.nanoTime() - batchStartedAt >= SEND_LINGER_NANOS)) {
                            // Full, or its oldest row has waited long enough while the stream kept delivering. A
                            // batch filling fast (a backlog) waits to be full: each Kafka transaction costs a commit.
                            flush(batch, sink, lastCommitEnd);
                            confirm(stream, lastCommitEnd);
                            confirmed = lastCommitEnd;
                            lastConfirmAt = System.nanoTime();
                        }
                    }
                    case PgOutputMessage.Ignored ignored -> {
                    }
                }
            }
            // Stopping: finish what was read, confirm it, so a clean restart repeats nothing. Exactly-once commits
            // the position first even with no rows left, so the slot is not confirmed past Kafka's position.
            if (pipeline != null) {
                pipeline.takeAll();
                confirmableOf(pipeline);
            } else if (!batch.isEmpty() || lastCommitEnd > committedPosition) {
                flush(batch, sink, lastCommitEnd);
            }
            if (lastCommitEnd > confirmed) {
                confirm(stream, lastCommitEnd);
            }
            log.info("relay {} stopped cleanly; {} rows relayed", config.relayName(), metrics.relayedTotal());
        }
    }

    /**
     * At-least-once, while the stream keeps delivering: hands the queued rows to the producer once a burst is full,
     * or at a transaction end once the oldest has waited {@link #SEND_LINGER_NANOS}, and takes the acknowledgements
     * already there, so the commit→ack figures and the health check stay current during a long drain. Sending only
     * at transaction ends keeps a backlog's bursts as large as its transactions: small bursts cost a cold relay
     * a fifth to a third of its drain rate.
     */
    private static void sendWhenDue(AckPipeline pipeline, boolean transactionEnded) throws InterruptedException {
        if (pipeline.rowsQueued() >= SEND_BURST
                || (transactionEnded && pipeline.queuedLongerThan(SEND_LINGER_NANOS))) {
            pipeline.sendQueued();
            pipeline.takeArrived();
        }
    }

    private void confirm(ChangeStream stream, long lsn) throws SQLException {
        stream.confirm(lsn);
        AckPipeline inFlight = pipeline;
        if (inFlight != null) {
            inFlight.confirmed();
        }
        faults.afterSlotConfirm(lsn);
    }

    /** At-least-once: the position up to which every row is acknowledged; its rows count as one batch. */
    private long confirmableOf(AckPipeline pipeline) {
        int rows = pipeline.takeAcknowledgedCount();
        if (rows > 0) {
            metrics.batch(rows);
        }
        return pipeline.acknowledgedPosition();
    }

    /** Exactly-once: the rows and the position they reach, in one Kafka transaction. */
    private void flush(List<Routing> batch, KafkaSink sink, long endLsn) {
        int rows = batch.size();
        sink.sendTransaction(batch, endLsn, () -> faults.beforeKafkaCommit(rows));
        faults.afterKafkaCommit(rows, endLsn);
        committedPosition = endLsn;
        metrics.batch(batch.size());
        batch.clear();
    }

    private static final String[] COLUMNS = {"id", "aggregatetype", "aggregateid", "type", "payload", "headers",
            "created_at"};

    private int[] columnIndexes(PgOutputMessage.Relation relation) {
        int[] indexes = new int[COLUMNS.length];
        for (int i = 0; i < COLUMNS.length; i++) {
            indexes[i] = relation.columns().indexOf(COLUMNS[i]);
            if (indexes[i] < 0 && i < 5) {
                throw new SourceCheckException("the outbox table " + config.table() + " has no column '" + COLUMNS[i]
                        + "': it must follow the table contract (id, aggregatetype, aggregateid, type, payload, "
                        + "headers, created_at)");
            }
        }
        return indexes;
    }

    private static OutboxRow row(int[] columns, PgOutputMessage.Insert insert, PgOutputMessage.Begin transaction) {
        List<String> values = insert.values();
        return new OutboxRow(value(values, columns[0]), value(values, columns[1]), value(values, columns[2]),
                value(values, columns[3]), value(values, columns[4]), value(values, columns[5]),
                value(values, columns[6]), transaction.finalLsn(), transaction.commitTimeMicros(), transaction.xid());
    }

    private static String value(List<String> values, int index) {
        return index < 0 ? null : values.get(index);
    }

    /** Ready: streaming from the slot and Kafka answering, so every commit from now on will be delivered. */
    public boolean ready() {
        AckPipeline inFlight = pipeline;
        return streaming && metrics.kafkaAvailable() && failure == null
                && (inFlight == null || !inFlight.acknowledgementsOverdue());
    }

    public boolean alive() {
        return failure == null && finished.getCount() > 0;
    }

    /** The error that ended the relay, if any. */
    public Throwable failure() {
        return failure;
    }

    /** Blocks until the relay loop has ended, by {@link #close()} or a fatal error. */
    public void awaitTermination() throws InterruptedException {
        finished.await();
    }

    RelayMetrics metrics() {
        return metrics;
    }

    /** Finishes the batch in flight, confirms it, closes the stream and the producer. */
    @Override
    public void close() {
        stopping = true;
        try {
            finished.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String lsnText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
