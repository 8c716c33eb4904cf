package dev.outbox.relay;

import dev.outbox.relay.route.Router;
import dev.outbox.relay.sink.Delivery;
import dev.outbox.relay.sink.KafkaClients;
import dev.outbox.relay.sink.KafkaSink;
import dev.outbox.relay.sink.PositionTopic;
import dev.outbox.relay.source.ChangeStream;
import dev.outbox.relay.source.SourceCheckException;
import dev.outbox.relay.source.SourceDatabase;
import dev.outbox.relay.http.HttpEndpoints;
import dev.outbox.relay.state.Leadership;
import dev.outbox.relay.state.SlotGuard;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's lifecycle: leadership among the relays of its name (the others stand by), the fail-closed checks, the
 * Kafka check, the delivery of the configured mode, and the replication stream, reopened with backoff whenever it is
 * lost. Each read of the stream is a {@link StreamLoop}.
 */
public final class Relay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Relay.class);
    private static final Duration STATUS_INTERVAL = Duration.ofSeconds(1);
    /** A fenced predecessor releases the slot as it exits: how long the slot may stay busy before that is fatal. */
    private static final long SLOT_BUSY_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(60);
    /**
     * How often a standby asks for the leadership lock (and the active relay checks its lock connection): a standby
     * takes over within this of the active's session ending, then pays the stream's start. One cheap query each.
     */
    private static final Duration STANDBY_RETRY = Duration.ofMillis(200);
    /** A relay that lost its lock waits this long before asking again, so a standby with a sound connection wins. */
    private static final long LOCK_LOSS_YIELD_MILLIS = 2_000;

    private final RelayConfig config;
    /** Every Kafka client of the relay comes from here; the checks share its admin client. */
    private final KafkaClients kafkaClients;
    /** This relay's record: read by the slot checks, and in exactly-once mode the delivery's position. */
    private final PositionTopic positions;
    private final SourceDatabase source;
    private final Router router;
    private final RelayMetrics metrics;
    private final Liveness liveness;
    private final StartChecks startChecks;
    /** One relay of a name streams; the others stand by (see {@link Leadership}). */
    private final Leadership leadership;
    /** The crash-test hook, {@code null} unless its system property is set. */
    private final FaultInjection faults = FaultInjection.fromSystemProperties();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean streaming;
    private volatile Throwable failure;
    private volatile Delivery delivery;
    /** A stream the relay thread began opening while the checks read its record in Kafka; not yet used. */
    private OpeningStream openedDuringChecks;

    public Relay(RelayConfig config) {
        this.config = config;
        this.kafkaClients = new KafkaClients(config.bootstrapServers(), config.producerSettings());
        this.positions = new PositionTopic(kafkaClients, config.positionTopic(), config.relayName());
        this.source = new SourceDatabase(config.dbUrl(), config.dbUser(), config.dbPassword(), config.relayName(),
                config.publication(), config.tableSchema(), config.tableName(), new SlotGuard(positions,
                        config.slotRecreate(), config.exactlyOnce(), config.table()), config.slotRequireFailover());
        this.router = new Router(config.topicTemplate(), config.ceSource(),
                KafkaSink.maxRequestSize(config.producerSettings()),
                java.util.Set.of(config.dlqTopic(), config.positionTopic()));
        this.metrics = new RelayMetrics(config.relayName());
        metrics.slotFailoverReady(source::failoverReady);
        this.liveness = metrics.liveness();
        this.leadership = new Leadership(source::connectForChecks, config.dbUrl(), config.relayName(),
                STANDBY_RETRY);
        this.startChecks = new StartChecks(config, kafkaClients, source, metrics, liveness, () -> stopping);
    }

    /** Starts the relay thread: leadership, the checks, streaming; a failed check is its {@link #failure()}. */
    public void start() {
        Thread.ofPlatform().name("outbox-relay-" + config.relayName()).start(this::runLoop);
    }

    private void runLoop() {
        try {
            while (!stopping && leadership.acquire(() -> stopping, this::standingBy)) { // see Leadership
                metrics.standby(false);
                try {
                    if (startChecks.sourceReady(this::openDuringChecks)) {
                        stream();
                    }
                } finally {
                    closeOpenedDuringChecks();
                    leadership.release();
                }
                if (!stopping) { // lost its lock: yields, so a standby with a sound connection takes over
                    log.warn("relay {} stopped streaming: its leadership lock is lost; standby", config.relayName());
                    standingBy();
                    liveness.sleep(LOCK_LOSS_YIELD_MILLIS);
                }
            }
        } catch (SourceCheckException | KafkaSink.FencedException e) {
            log.error("relay {} stopped: {}", config.relayName(), e.getMessage());
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            // Any Throwable, an Error too: it must end the process non-zero (RelayMain reads failure()).
            log.error("relay {} failed: {}", config.relayName(), e.toString(), e);
            failure = e;
        } finally {
            leadership.close();
            positions.close();
            kafkaClients.close();
            finished.countDown();
        }
    }

    /** Another relay of this name streams: this one waits, alive, not ready, its Kafka connection made meanwhile. */
    private void standingBy() {
        if (!metrics.standby()) {
            Thread.ofPlatform().daemon().name("outbox-relay-warm-up").start(positions::warmUp);
        }
        metrics.standby(true);
        liveness.waitingUpTo(STANDBY_RETRY.plusSeconds(10));
    }

    /**
     * The checks found the slot: where the delivery allows it, the stream starts opening (Debezium takes a good part
     * of a second) while they read this relay's record in Kafka. Nothing is read from it before the delivery is ready.
     */
    private void openDuringChecks() {
        if (openedDuringChecks == null && Deliveries.streamMayOpenBeforeStart(config)) {
            openedDuringChecks = openInBackground();
        }
    }

    private void closeOpenedDuringChecks() {
        if (openedDuringChecks != null) {
            openedDuringChecks.closeUnused();
            openedDuringChecks = null;
        }
    }

    private OpeningStream openInBackground() {
        return OpeningStream.start(this::openStream, "outbox-relay-open-" + config.relayName());
    }

    /** Waits for Kafka, makes the delivery ready and streams until stopped. */
    private void stream() throws InterruptedException {
        OpeningStream opening = openedDuringChecks;
        openedDuringChecks = null;
        try (RetainedWalSampler sampler = RetainedWalSampler.start(source, metrics, config.relayName());
                Delivery delivery = Deliveries.create(config, kafkaClients, positions, metrics, faults)) {
            this.delivery = delivery;
            // Unless the checks began it: opened now where the delivery allows it, while the producer and Kafka are
            // checked; nothing is read from it before they are ready.
            if (opening == null && delivery.streamMayOpenBeforeStart()) {
                opening = openInBackground();
            }
            startChecks.awaitKafka();
            liveness.waitingUpTo(StartChecks.KAFKA_CALL_PATIENCE);
            delivery.start();
            OpeningStream openedEarly = opening;
            opening = null;
            streamUntilStopped(delivery, openedEarly);
        } finally {
            if (opening != null) {
                opening.closeUnused();
            }
        }
    }

    /** Reads the slot until the relay stops, reopening the stream (with backoff) whenever it is lost. */
    private void streamUntilStopped(Delivery delivery, OpeningStream openedEarly)
            throws InterruptedException {
        OpeningStream opening = openedEarly;
        long backoff = 500;
        long slotBusySince = 0;
        try {
            while (!stopping && leadership.held()) {
                OpeningStream opened = opening;
                opening = null;
                boolean readAgainAtOnce = false;
                try (ChangeStream stream = opened != null ? opened.join() : openStream()) {
                    slotBusySince = 0;
                    backoff = 500;
                    streaming = true;
                    log.info("relay {} streaming {} (publication {}) to Kafka", config.relayName(), config.table(),
                            config.publication());
                    new StreamLoop(stream, router, delivery, source, liveness, config.heartbeatInterval(),
                            () -> stopping || !leadership.held()).run();
                    log.info("relay {} stopped cleanly; {} rows relayed", config.relayName(), metrics.relayedTotal());
                } catch (KafkaSink.RetryFromSlotException e) {
                    log.warn("{}; re-reading from the slot's confirmed position", e.getMessage());
                    // Rows refused for good: Kafka answered, and the re-read sends them as dead letters; still ready.
                    readAgainAtOnce = e.rowsRefused();
                    if (!readAgainAtOnce) {
                        // Not ready until a batch is acknowledged again (KafkaSink reports that).
                        metrics.kafkaAvailable(false);
                        backoff = liveness.sleepBackoff(backoff);
                    }
                } catch (SQLException e) {
                    streaming = false;
                    if (stopping) {
                        return;
                    }
                    log.warn("replication stream lost ({}); reconnecting in {} ms", e.getMessage(), backoff);
                    backoff = liveness.sleepBackoff(backoff);
                    startChecks.recheckSource();
                } catch (SourceCheckException e) {
                    slotBusySince = slotBusySince == 0 ? System.nanoTime() : slotBusySince;
                    if (!e.isTransient() || System.nanoTime() - slotBusySince > SLOT_BUSY_PATIENCE_NANOS) {
                        throw e;
                    }
                    log.warn("{}; retrying", e.getMessage());
                    liveness.sleep(1_000);
                } finally {
                    streaming = readAgainAtOnce && !stopping;
                }
            }
        } finally {
            if (opening != null) {
                opening.closeUnused();
            }
        }
    }

    private ChangeStream openStream() throws SQLException {
        liveness.waitingUpTo(StartChecks.KAFKA_CALL_PATIENCE);
        long start = delivery == null ? 0 : delivery.startPosition();
        if (start > 0) {
            source.advanceSlotTo(start);
        }
        Map<String, String> debezium = new HashMap<>(config.debeziumSettings()); // + a byte bound of Debezium's queue
        debezium.putIfAbsent("max.queue.size.in.bytes", Integer.toString(config.maxInFlightBytes()));
        ChangeStream stream = source.openStream(config.source(), STATUS_INTERVAL, debezium);
        return faults == null ? stream : faults.watching(stream);
    }

    /**
     * Ready or not, and the role: {@code standby} while another relay of this name streams, read from the same flag
     * as {@code outbox_relay_standby} so the two never disagree (not yet before the first attempt at the lock).
     */
    public HttpEndpoints.Readiness readiness() {
        boolean standby = failure == null && metrics.standby();
        return new HttpEndpoints.Readiness(ready(), standby ? "standby" : "active");
    }

    /** Ready: streaming from the slot and Kafka answering, so every commit from now on will be delivered. */
    public boolean ready() {
        Delivery current = delivery;
        return streaming && metrics.kafkaAvailable() && failure == null
                && (current == null || !current.acknowledgementsOverdue());
    }

    /** Alive: not failed, not ended, and the relay thread not stuck (see {@link Liveness}). */
    public boolean alive() {
        return failure == null && finished.getCount() > 0 && !liveness.stuck(config.livenessTimeout());
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
}
