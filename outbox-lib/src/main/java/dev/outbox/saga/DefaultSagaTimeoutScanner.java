package dev.outbox.saga;

import io.micrometer.core.instrument.Counter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class DefaultSagaTimeoutScanner implements SagaTimeoutScanner {

    private static final Logger log = LoggerFactory.getLogger(DefaultSagaTimeoutScanner.class);

    private final SagaTimeoutScanner.Builder settings;
    private final ScheduledExecutorService executor;
    private final boolean ownsExecutor;
    private final ScheduledFuture<?> schedule;
    private final Counter timedOut;
    private final Counter failed;
    private final Counter compensationResent;
    private final Counter escalated;
    private final StepEscalation escalation;

    DefaultSagaTimeoutScanner(SagaTimeoutScanner.Builder settings, boolean scheduled) {
        this.settings = settings;
        this.timedOut = Counter.builder("outbox.saga.timeouts").tag("outcome", "timed_out").register(settings.meterRegistry);
        this.failed = Counter.builder("outbox.saga.timeouts").tag("outcome", "failed").register(settings.meterRegistry);
        this.compensationResent = Counter.builder("outbox.saga.timeouts").tag("outcome", "compensation_resent")
                .register(settings.meterRegistry);
        this.escalated = Counter.builder("outbox.saga.timeouts").tag("outcome", "escalated")
                .register(settings.meterRegistry);
        this.escalation = new StepEscalation(settings.maxAttempts, settings.initialBackoff, settings.maxBackoff);
        if (!scheduled) {
            this.executor = null;
            this.ownsExecutor = false;
            this.schedule = null;
            return;
        }
        this.ownsExecutor = settings.executor == null;
        this.executor = ownsExecutor ? Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbox-saga-timeouts");
            t.setDaemon(true);
            return t;
        }) : settings.executor;
        long millis = settings.interval.toMillis();
        this.schedule = executor.scheduleWithFixedDelay(this::scheduledScan, millis, millis, TimeUnit.MILLISECONDS);
    }

    private void scheduledScan() {
        try {
            scanOnce();
        } catch (RuntimeException e) {
            // A failed scan must not cancel the schedule (scheduleWithFixedDelay stops on an exception).
            log.warn("Saga timeout scan failed; next scan in {}", settings.interval, e);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Error e) {
            // Same for an Error (e.g. a LinkageError from a handler's class): logged loudly, and scanning goes on.
            log.error("Saga timeout scan failed with an error; next scan in {}", settings.interval, e);
        }
    }

    @Override
    public int scanOnce() {
        int total = 0;
        while (true) {
            Batch batch = scanBatch();
            total += batch.succeeded();
            // Stop when the batch was not full, or when nothing in it could be handled (avoid spinning on failures).
            if (batch.claimed() < settings.batchSize || batch.succeeded() == 0) {
                return total;
            }
        }
    }

    private record Batch(int claimed, int succeeded) {
    }

    private Batch scanBatch() {
        try (Connection connection = settings.dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                DSLContext tx = DSL.using(connection, SQLDialect.POSTGRES);
                List<SagaStep> steps = claim(tx);
                int succeeded = 0;
                for (SagaStep step : steps) {
                    if (handle(connection, tx, step)) {
                        succeeded++;
                    }
                }
                connection.commit();
                return new Batch(steps.size(), succeeded);
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new org.jooq.exception.DataAccessException("Saga timeout scan failed", e);
        }
    }

    private List<SagaStep> claim(DSLContext tx) {
        String types = settings.sagaTypes.isEmpty() ? null : String.join(",", settings.sagaTypes);
        return tx.fetch("SELECT " + DefaultSagaLog.STEP_COLUMNS + """
                 FROM saga_log
                WHERE status IN ('PENDING', 'COMPENSATING') AND deadline_at <= now()
                  AND (?::text IS NULL OR saga_type = ANY(string_to_array(?::text, ',')))
                ORDER BY deadline_at
                LIMIT ?
                FOR UPDATE SKIP LOCKED
                """, types, types, settings.batchSize)
                .map(r -> DefaultSagaLog.toStep((Record) r, settings.objectMapper));
    }

    /**
     * Runs the handler for one claimed step inside a savepoint, so that one failure spares the rest of the batch.
     * Any {@link Throwable} but a {@link VirtualMachineError} counts as a failure of this step: an {@link Error} thrown
     * by a handler must neither end the scan nor cancel the schedule.
     */
    private boolean handle(Connection connection, DSLContext tx, SagaStep step) throws SQLException {
        Savepoint savepoint = connection.setSavepoint();
        try {
            settings.handler.onTimeout(tx, step);
            String outcome = escalation.afterHandler(tx, step);
            connection.releaseSavepoint(savepoint);
            count(outcome);
            log.info("Saga {} step {} ({}) past its deadline: {}", step.sagaId(), step.step(), step.status(), outcome);
            return true;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            connection.rollback(savepoint);
            String outcome = escalation.afterFailure(tx, step, e);
            count(outcome);
            log.warn("Timeout handler failed for saga {} step {} (attempt {}): {}", step.sagaId(), step.step(),
                    step.attempts(), outcome, e);
            return false;
        }
    }

    private void count(String outcome) {
        Counter counter = switch (outcome) {
            case StepEscalation.TIMED_OUT -> timedOut;
            case StepEscalation.RETRY_LATER -> failed;
            case StepEscalation.COMPENSATION_RESENT -> compensationResent;
            case StepEscalation.ESCALATED -> escalated;
            default -> null;
        };
        if (counter != null) {
            counter.increment();
        }
    }

    @Override
    public void close() {
        if (schedule == null) {
            return;
        }
        schedule.cancel(false);
        if (ownsExecutor) {
            executor.shutdown();
            try {
                if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                    executor.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            try {
                schedule.get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.CancellationException | ExecutionException | TimeoutException e) {
                // cancelled as asked: nothing to wait for
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
