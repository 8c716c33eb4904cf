package dev.outbox.saga;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.OutboxConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import javax.sql.DataSource;

/**
 * Finds PENDING saga steps whose deadline passed and hands each to a {@link TimeoutHandler} exactly once, even with
 * several service instances scanning the same database: rows are claimed with {@code SELECT ... FOR UPDATE SKIP
 * LOCKED}, the handler runs in the same transaction (one savepoint per step), and the step leaves PENDING before
 * that transaction commits. Scans run on a {@link ScheduledExecutorService}, never in a request thread.
 *
 * <pre>{@code
 * SagaTimeoutScanner scanner = SagaTimeoutScanner.builder(dataSource, (tx, step) -> cancelOrder(tx, step))
 *         .interval(Duration.ofSeconds(1))
 *         .start();
 * ...
 * scanner.close();
 * }</pre>
 *
 * <p>Metric: counter {@code outbox.saga.timeouts} (tag {@code outcome}: {@code timed_out} or {@code failed}).
 */
public interface SagaTimeoutScanner extends AutoCloseable {

    /** Starts configuring a scanner over {@code dataSource}'s {@code saga_log}. */
    static Builder builder(DataSource dataSource, TimeoutHandler handler) {
        return new Builder(dataSource, handler);
    }

    /**
     * Scans now, on the calling thread, until no expired step is left (or only ones whose handler failed).
     *
     * @return how many steps the handler processed successfully
     */
    int scanOnce();

    /** Stops scheduled scans (waiting for one in progress); an executor passed in is not shut down. */
    @Override
    void close();

    /** Settings of a {@link SagaTimeoutScanner}. */
    final class Builder {

        final DataSource dataSource;
        final TimeoutHandler handler;
        Duration interval = Duration.ofSeconds(1);
        int batchSize = 100;
        List<String> sagaTypes = List.of();
        ScheduledExecutorService executor;
        MeterRegistry meterRegistry = Metrics.globalRegistry;
        ObjectMapper objectMapper = OutboxConfig.defaultObjectMapper();

        private Builder(DataSource dataSource, TimeoutHandler handler) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource must not be null");
            this.handler = Objects.requireNonNull(handler, "handler must not be null");
        }

        /** Delay between the end of one scan and the start of the next. Default 1 s; positive. */
        public Builder interval(Duration interval) {
            if (interval == null || interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("interval must be positive, was " + interval);
            }
            this.interval = interval;
            return this;
        }

        /** Steps claimed per transaction. Default 100; at least 1. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Only steps of these saga types. Default: every type. */
        public Builder sagaTypes(String... sagaTypes) {
            this.sagaTypes = List.of(sagaTypes);
            return this;
        }

        /**
         * Where scans are scheduled. Default: a single daemon thread owned (and shut down) by the scanner.
         */
        public Builder executor(ScheduledExecutorService executor) {
            this.executor = Objects.requireNonNull(executor, "executor must not be null");
            return this;
        }

        /** Where metrics go. Default: Micrometer's {@code Metrics.globalRegistry}. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "meterRegistry must not be null");
            return this;
        }

        /** Reads step payloads into {@link SagaStep#payload()}. Default {@link OutboxConfig#defaultObjectMapper()}. */
        public Builder objectMapper(ObjectMapper objectMapper) {
            this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper must not be null");
            return this;
        }

        /** A scanner that scans only when {@link SagaTimeoutScanner#scanOnce()} is called. */
        public SagaTimeoutScanner build() {
            return new DefaultSagaTimeoutScanner(this, false);
        }

        /** A scanner scanning every {@link #interval}, first after one interval. */
        public SagaTimeoutScanner start() {
            return new DefaultSagaTimeoutScanner(this, true);
        }
    }
}
