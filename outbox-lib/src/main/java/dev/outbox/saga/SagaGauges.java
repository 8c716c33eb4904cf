package dev.outbox.saga;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@link SagaQueries#waiting} as Micrometer gauges, refreshed every {@code every} on a daemon thread (one
 * grouped query per refresh), tagged {@code saga_type}, {@code step} and {@code status}:
 * {@code outbox.saga.steps.waiting} (steps PENDING or COMPENSATING, or stuck), {@code outbox.saga.steps.stuck}
 * (waiting past their deadline, or given up on) and {@code outbox.saga.steps.oldest.age} (seconds since the oldest
 * was created). A group that empties disappears at the next refresh. Close to stop.
 */
public final class SagaGauges implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SagaGauges.class);

    private final ScheduledExecutorService scheduler;
    private final MultiGauge waiting;
    private final MultiGauge stuck;
    private final MultiGauge oldestAge;
    private final DataSource dataSource;
    private final SagaQueries queries = SagaQueries.create();

    private SagaGauges(DataSource dataSource, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.waiting = MultiGauge.builder("outbox.saga.steps.waiting")
                .description("saga steps PENDING or COMPENSATING, or stuck").register(registry);
        this.stuck = MultiGauge.builder("outbox.saga.steps.stuck")
                .description("saga steps waiting past their deadline or given up on").register(registry);
        this.oldestAge = MultiGauge.builder("outbox.saga.steps.oldest.age").baseUnit("seconds")
                .description("age of the oldest waiting or stuck saga step").register(registry);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbox-saga-gauges");
            t.setDaemon(true);
            return t;
        });
    }

    /** Registers the gauges in {@code registry}, refreshes them now and then every {@code every}. */
    public static SagaGauges start(DataSource dataSource, MeterRegistry registry, Duration every) {
        Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(registry, "registry");
        if (every == null || !every.isPositive()) {
            throw new IllegalArgumentException("every must be positive, was " + every);
        }
        SagaGauges gauges = new SagaGauges(dataSource, registry);
        gauges.scheduler.scheduleWithFixedDelay(gauges::refreshQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return gauges;
    }

    /** Reads the counts now and sets the gauges (also what the schedule runs). */
    public void refresh() {
        List<SagaQueries.WaitingSteps> rows = queries.waiting(DSL.using(dataSource, SQLDialect.POSTGRES));
        waiting.register(rows.stream().map(r -> MultiGauge.Row.of(tags(r), r.count())).toList(), true);
        stuck.register(rows.stream().map(r -> MultiGauge.Row.of(tags(r), r.stuck())).toList(), true);
        oldestAge.register(rows.stream().filter(r -> r.oldestAgeSeconds() != null)
                .map(r -> MultiGauge.Row.of(tags(r), r.oldestAgeSeconds())).toList(), true);
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            log.warn("Saga gauges could not be refreshed; trying again at the next refresh", e);
        }
    }

    private static Tags tags(SagaQueries.WaitingSteps row) {
        return Tags.of("saga_type", row.sagaType(), "step", row.step(), "status", row.status().name());
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
