package dev.outbox.relay;

import dev.outbox.relay.route.Routing;
import dev.outbox.relay.sink.KafkaSink;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's metrics (Prometheus names in the README) and the Kafka side of its health: its own meters, the JVM's
 * (memory, GC, threads, CPU, class loading) and its Kafka producer's ({@code kafka_producer_*}).
 */
final class RelayMetrics implements KafkaSink.Listener {

    private static final Logger log = LoggerFactory.getLogger(RelayMetrics.class);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, Counter> relayedByTopic = new ConcurrentHashMap<>();
    private final Counter deadLetters;
    private final DistributionSummary batchSizes;
    private final Timer commitToAck;
    private final AtomicLong retainedWalBytes = new AtomicLong(-1);
    private final AtomicLong lastEventMillis = new AtomicLong(System.currentTimeMillis());
    private final AtomicBoolean kafkaAvailable = new AtomicBoolean(false);
    private final AtomicBoolean standby = new AtomicBoolean(false);
    private final AtomicLong relayedTotal = new AtomicLong();
    private final Counter transactionsCommitted;
    private final Counter transactionsAborted;
    private final Timer transactionCommit;
    private KafkaClientMetrics producerMetrics;
    private final Liveness liveness = new Liveness();

    RelayMetrics(String relayName) {
        registry.config().commonTags("relay", relayName);
        deadLetters = Counter.builder("outbox_relay_dead_letters").description("rows sent to the dead-letter topic")
                .register(registry);
        batchSizes = DistributionSummary.builder("outbox_relay_batch_size")
                .description("rows sent to Kafka per batch before the slot is confirmed")
                .publishPercentileHistogram().register(registry);
        commitToAck = Timer.builder("outbox_relay_commit_to_ack")
                .description("from the source transaction's commit to Kafka's acknowledgement of its record")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        transactionsCommitted = Counter.builder("outbox_relay_transactions").tag("outcome", "committed")
                .description("exactly-once: Kafka transactions, each a batch of rows and its source position")
                .register(registry);
        transactionsAborted = Counter.builder("outbox_relay_transactions").tag("outcome", "aborted")
                .description("exactly-once: Kafka transactions, each a batch of rows and its source position")
                .register(registry);
        transactionCommit = Timer.builder("outbox_relay_transaction_commit")
                .description("exactly-once: how long Kafka took to commit a transaction")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        Gauge.builder("outbox_relay_slot_retained_wal_bytes", retainedWalBytes, AtomicLong::get)
                .description("WAL the server keeps for this relay's slot").baseUnit("bytes").register(registry);
        // A timestamp rather than an age (the Prometheus convention): alert on time() - this; before the first row
        // it is the relay's start, so a relay that never relays anything is noticed too.
        Gauge.builder("outbox_relay_last_event_timestamp_seconds", lastEventMillis, last -> last.get() / 1000.0)
                .description("when the last row was relayed or dead-lettered (Unix time; the relay's start before)")
                .register(registry);
        Gauge.builder("outbox_relay_kafka_available", kafkaAvailable, up -> up.get() ? 1 : 0)
                .register(registry);
        Gauge.builder("outbox_relay_standby", standby, waiting -> waiting.get() ? 1 : 0)
                .description("1 while another relay of this name streams and this one waits to take over")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
    }

    /** {@code outbox_relay_slot_failover_ready}: 1 when the last check found the slot synchronised to a standby. */
    void slotFailoverReady(java.util.function.IntSupplier ready) {
        Gauge.builder("outbox_relay_slot_failover_ready", ready, r -> r.getAsInt())
                .description("1 when the slot is a failover slot a streaming standby keeps a copy of (PostgreSQL 17+)")
                .strongReference(true).register(registry);
    }

    /** The producer's own metrics (record rates, request latency, buffer use) for as long as it lives. */
    @Override
    public synchronized void producerCreated(Producer<?, ?> producer) {
        if (producerMetrics != null) {
            producerMetrics.close();
        }
        producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(registry);
    }

    @Override
    public void delivered(Routing.Deliver routed, RecordMetadata metadata) {
        relayedByTopic.computeIfAbsent(metadata.topic(), topic -> Counter.builder("outbox_relay_events")
                .description("rows relayed to Kafka and acknowledged").tag("topic", topic).register(registry))
                .increment();
        long lag = System.currentTimeMillis() - routed.row().commitTimeEpochMillis();
        commitToAck.record(Duration.ofMillis(Math.max(0, lag)));
        lastEventMillis.set(System.currentTimeMillis());
        relayedTotal.incrementAndGet();
        if (log.isDebugEnabled()) {
            log.debug("relayed {} ({} {}) to {}-{}@{}", routed.row().id(), routed.row().aggregateType(),
                    routed.row().aggregateId(), metadata.topic(), metadata.partition(), metadata.offset());
        }
    }

    @Override
    public void deadLettered(Routing.DeadLetter deadLetter) {
        deadLetters.increment();
        lastEventMillis.set(System.currentTimeMillis());
        log.warn("outbox row {} sent to the dead-letter topic: {}", deadLetter.row().id(), deadLetter.reason());
    }

    @Override
    public void kafkaAvailable(boolean available) {
        if (kafkaAvailable.getAndSet(available) != available) {
            log.info("Kafka {}", available ? "available" : "unavailable");
        }
    }

    @Override
    public void transactionCommitted(Duration commitLatency) {
        transactionsCommitted.increment();
        transactionCommit.record(commitLatency);
    }

    @Override
    public void transactionAborted() {
        transactionsAborted.increment();
    }

    @Override
    public void waiting() {
        liveness.beat();
    }

    /** The relay thread's signs of life, for {@code /health/live}. */
    Liveness liveness() {
        return liveness;
    }

    void standby(boolean waiting) {
        standby.set(waiting);
    }

    boolean standby() {
        return standby.get();
    }

    boolean kafkaAvailable() {
        return kafkaAvailable.get();
    }

    @Override
    public void batch(int size) {
        batchSizes.record(size);
    }

    void retainedWal(long bytes) {
        retainedWalBytes.set(bytes);
    }

    long relayedTotal() {
        return relayedTotal.get();
    }

    String scrape() {
        return registry.scrape();
    }
}
