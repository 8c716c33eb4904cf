package dev.outbox.relay;

import dev.outbox.relay.sink.KafkaClients;
import dev.outbox.relay.sink.KafkaFailureCause;
import dev.outbox.relay.source.SourceCheckException;
import dev.outbox.relay.source.SourceDatabase;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the relay waits for before it streams: the fail-closed source checks and Kafka answering. A Kafka that cannot
 * answer yet (unreachable, a refused login, an untrusted certificate) is waited out with backoff, not ready
 * meanwhile, with one line per attempt naming the cause: credentials and certificates get rotated.
 */
final class StartChecks {

    private static final Logger log = LoggerFactory.getLogger(StartChecks.class);
    /** The longest a single Kafka call of the relay may take: liveness counts it as a known wait. */
    static final Duration KAFKA_CALL_PATIENCE = Duration.ofSeconds(60);

    private final RelayConfig config;
    private final KafkaClients clients;
    private final SourceDatabase source;
    private final RelayMetrics metrics;
    private final Liveness liveness;
    private final BooleanSupplier stopping;

    StartChecks(RelayConfig config, KafkaClients clients, SourceDatabase source, RelayMetrics metrics,
            Liveness liveness, BooleanSupplier stopping) {
        this.config = config;
        this.clients = clients;
        this.source = source;
        this.metrics = metrics;
        this.liveness = liveness;
        this.stopping = stopping;
    }

    /**
     * The fail-closed checks. They read this relay's record in Kafka before the slot is used, so a Kafka that cannot
     * give it yet is waited for as {@link #awaitKafka()} does. A failed check throws {@link SourceCheckException}.
     * False when the relay was stopped meanwhile. {@code slotMayOpen}: see
     * {@link SourceDatabase#checkAndPrepare(Runnable)} (it may run at every attempt).
     */
    boolean sourceReady(Runnable slotMayOpen) {
        long backoff = 500;
        while (!stopping.getAsBoolean()) {
            try {
                source.checkAndPrepare(slotMayOpen);
                return true;
            } catch (SourceCheckException e) {
                if (e.isPermanent() || !causedByKafka(e)) {
                    throw e;
                }
                clients.close();
                metrics.kafkaAvailable(false);
                log.warn("Kafka at {}: {}; not ready, retrying in {} ms", config.bootstrapServers(),
                        KafkaFailureCause.of(e.getCause()), backoff);
                backoff = liveness.sleepBackoff(backoff);
            }
        }
        return false;
    }

    /** Waits until Kafka answers with the relay's own client settings (security included). */
    void awaitKafka() throws InterruptedException {
        long backoff = 500;
        while (!stopping.getAsBoolean()) {
            liveness.waitingUpTo(KAFKA_CALL_PATIENCE);
            try {
                // The admin client the record read already connected: one round trip on a warm connection.
                clients.sharedAdmin().describeCluster().nodes()
                        .get(KafkaClients.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
                metrics.kafkaAvailable(true);
                return;
            } catch (Exception e) {
                if (e instanceof InterruptedException interrupted) {
                    throw interrupted;
                }
                clients.close(); // a refused login or handshake is retried with a new client
                metrics.kafkaAvailable(false);
                log.warn("Kafka at {}: {}; not ready, retrying in {} ms", config.bootstrapServers(),
                        KafkaFailureCause.of(e), backoff);
                backoff = liveness.sleepBackoff(backoff);
            }
        }
    }

    /** After a lost connection the slot may have been invalidated meanwhile: check again, fail closed if so. */
    void recheckSource() {
        try {
            source.checkAndPrepare();
        } catch (SourceCheckException e) {
            if (e.isPermanent()) {
                throw e;
            }
            log.warn("source not ready yet: {}", e.getMessage());
        }
    }

    private static boolean causedByKafka(Throwable failure) {
        for (Throwable cause = failure.getCause(); cause != null && cause != cause.getCause();
                cause = cause.getCause()) {
            if (cause instanceof org.apache.kafka.common.KafkaException
                    || cause instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
