package dev.outbox.saga;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.OutboxConfig;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * Read-only questions an operator asks of {@code saga_log}: which steps are stuck, which match a filter, how many
 * wait per step and since when. Every query is bounded ({@link StepFilter#limit()}).
 *
 * <p>A step is <em>stuck</em> when it waits past its deadline (PENDING or COMPENSATING with {@code deadline_at} in the
 * past: the timeout scanner is behind, or its handler keeps failing) or when it was given up on: FAILED with a
 * {@code last_error} starting with {@value #STUCK_MARK} (the scanner's attempt cap, or a service that cannot go on
 * without an operator). A step that failed as a normal business outcome (out of stock) is not stuck.
 */
public final class SagaQueries {

    /** Prefix of the {@code last_error} of a step given up on; services may use it in {@link SagaLog#markFailed}. */
    public static final String STUCK_MARK = "stuck: ";

    private static final String STUCK = """
            ((status IN ('PENDING', 'COMPENSATING') AND deadline_at < now())
             OR (status = 'FAILED' AND last_error LIKE 'stuck: %'))""";

    private final ObjectMapper mapper;

    private SagaQueries(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Queries reading step payloads with {@link OutboxConfig#defaultObjectMapper()}. */
    public static SagaQueries create() {
        return new SagaQueries(OutboxConfig.defaultObjectMapper());
    }

    /**
     * Which steps to list. Every field but {@code limit} is optional ({@code null}/false: no condition).
     *
     * @param status    only this status
     * @param step      only this step name
     * @param sagaType  only this saga type
     * @param olderThan only steps created longer ago than this
     * @param stuckOnly only stuck steps (see the class comment)
     * @param limit     at most this many, newest change first; 1 to 1000
     */
    public record StepFilter(SagaStatus status, String step, String sagaType, Duration olderThan, boolean stuckOnly,
                             int limit) {
        public StepFilter {
            if (limit < 1 || limit > 1000) {
                throw new IllegalArgumentException("limit must be between 1 and 1000, was " + limit);
            }
            if (olderThan != null && olderThan.isNegative()) {
                throw new IllegalArgumentException("olderThan must not be negative, was " + olderThan);
            }
        }

        /** Every stuck step, at most {@code limit}. */
        public static StepFilter stuck(int limit) {
            return new StepFilter(null, null, null, null, true, limit);
        }
    }

    /** Steps waiting ({@code PENDING}/{@code COMPENSATING}) or stuck, per saga type, step and status. */
    public record WaitingSteps(String sagaType, String step, SagaStatus status, long count, long stuck,
                               Instant oldestCreatedAt, Double oldestAgeSeconds) {
    }

    /** The steps matching {@code filter}, most recently changed first. */
    public List<SagaStep> steps(DSLContext dsl, StepFilter filter) {
        Objects.requireNonNull(filter, "filter");
        String olderThan = filter.olderThan() == null ? null : filter.olderThan().toMillis() + " milliseconds";
        String status = filter.status() == null ? null : filter.status().name();
        return dsl.fetch("SELECT " + DefaultSagaLog.STEP_COLUMNS + """
                 FROM saga_log
                WHERE (?::text IS NULL OR status = ?::text)
                  AND (?::text IS NULL OR step = ?::text)
                  AND (?::text IS NULL OR saga_type = ?::text)
                  AND (?::interval IS NULL OR created_at < now() - ?::interval)
                  AND (NOT ?::boolean OR """ + STUCK + """
                )
                ORDER BY updated_at DESC, saga_id, step
                LIMIT ?
                """, status, status, filter.step(), filter.step(), filter.sagaType(), filter.sagaType(),
                olderThan, olderThan, filter.stuckOnly(), filter.limit())
                .map(r -> DefaultSagaLog.toStep((Record) r, mapper));
    }

    /**
     * The gauges an operator watches: per saga type, step and status, how many steps wait or are stuck and the age
     * of the oldest.
     */
    public List<WaitingSteps> waiting(DSLContext dsl) {
        return dsl.fetch("""
                SELECT saga_type, step, status, count(*) AS waiting, count(*) FILTER (WHERE""" + STUCK + """
                ) AS stuck, min(created_at) AS oldest
                FROM saga_log
                WHERE status IN ('PENDING', 'COMPENSATING') OR""" + STUCK + """

                GROUP BY saga_type, step, status
                ORDER BY saga_type, step, status
                """).map(r -> {
                    OffsetDateTime oldest = r.get("oldest", OffsetDateTime.class);
                    Instant at = oldest == null ? null : oldest.toInstant();
                    return new WaitingSteps(r.get("saga_type", String.class), r.get("step", String.class),
                            SagaStatus.valueOf(r.get("status", String.class)), r.get("waiting", Long.class),
                            r.get("stuck", Long.class), at,
                            at == null ? null : Duration.between(at, Instant.now()).toMillis() / 1000.0);
                });
    }
}
