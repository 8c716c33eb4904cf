package dev.outbox.sample.order;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires saga step deadlines: a scheduled scan of {@code saga_log} for PENDING steps past their deadline, each
 * handed to the saga in its own transaction. A scan, not a sleep in a request path, so a deadline survives restarts.
 */
final class TimeoutScanner implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TimeoutScanner.class);

    interface Handler {
        /** Called in a transaction; must re-check under lock that the step is still pending and late. */
        void onDeadline(DSLContext tx, UUID sagaId, String step);
    }

    private final DSLContext dsl;
    private final Handler handler;
    private final ScheduledExecutorService scheduler;

    TimeoutScanner(DSLContext dsl, Duration interval, Handler handler) {
        this.dsl = dsl;
        this.handler = handler;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("order-saga-timeouts").daemon().factory());
        scheduler.scheduleWithFixedDelay(this::scanQuietly, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** @return how many steps were handed to the saga */
    int scan() {
        List<org.jooq.Record2<UUID, String>> late = dsl.resultQuery("""
                        SELECT saga_id, step FROM saga_log
                        WHERE saga_type = ? AND status = 'PENDING' AND deadline_at <= clock_timestamp()
                        ORDER BY deadline_at LIMIT 200""", SagaLog.SAGA_TYPE)
                .coerce(org.jooq.impl.DSL.field("saga_id", UUID.class), org.jooq.impl.DSL.field("step", String.class))
                .fetch();
        for (var row : late) {
            dsl.transaction(cfg -> handler.onDeadline(cfg.dsl(), row.value1(), row.value2()));
        }
        return late.size();
    }

    private void scanQuietly() {
        try {
            int fired = scan();
            if (fired > 0) {
                log.info("{} saga step deadline(s) fired", fired);
            }
        } catch (RuntimeException e) {
            // Keep the schedule alive: the next scan retries whatever this one could not finish.
            log.warn("saga timeout scan failed; retrying at the next interval", e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
