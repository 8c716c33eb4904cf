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
 * Finds PENDING and COMPENSATING saga steps whose deadline passed and hands each to a {@link TimeoutHandler} exactly
 * once per deadline, even with
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
 * <p>After the handler: a PENDING step it left alone becomes TIMED_OUT; a COMPENSATING step it left alone (its
 * compensation re-sent, not yet acknowledged) gets attempts + 1 and a new deadline after a {@link Builder#backoff}. A
 * handler that throws (an {@link Error} included) has its work rolled back; the step keeps its status with
 * {@code last_error}, attempts + 1 and a deadline pushed out by the backoff, so failing steps never starve the others.
 * At {@link Builder#maxAttempts} the step becomes FAILED without a deadline: stuck, for an operator to retry or
 * compensate. No failure cancels the schedule.
 *
 * <p>Metric: counter {@code outbox.saga.timeouts} (tag {@code outcome}: {@code timed_out}, {@code failed},
 * {@code compensation_resent} or {@code escalated}).
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
        int maxAttempts = 10;
        Duration initialBackoff = Duration.ofSeconds(1);
        Duration maxBackoff = Duration.ofMinutes(5);
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

        /**
         * Attempts after which a step whose handler keeps failing, or whose compensation is never acknowledged, becomes
         * FAILED (no deadline: listed as stuck for an operator). Compared with {@link SagaStep#attempts()}, which
         * counts the start, every retry and every scanner attempt. Default 10; at least 1.
         */
        public Builder maxAttempts(int maxAttempts) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /**
         * Wait before the scanner takes a step again after its handler failed or after it re-sent a compensation:
         * {@code initial} × 2^(attempts - 1), at most {@code max}. Default 1 s and 5 min; not negative,
         * {@code max >= initial}.
         */
        public Builder backoff(Duration initial, Duration max) {
            if (initial == null || max == null || initial.isNegative() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff needs 0 <= initial <= max, was " + initial + ", " + max);
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
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
