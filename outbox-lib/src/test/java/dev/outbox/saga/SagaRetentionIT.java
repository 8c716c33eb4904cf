package dev.outbox.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 19, item 7: finished sagas older than the window are deleted with their events; the others stay. */
@OutboxInfraTest
class SagaRetentionIT {

    private static final Duration WINDOW = Duration.ofDays(30);

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    @BeforeEach
    void empty(TestDatabase database) {
        database.execute("TRUNCATE saga_log, saga_event");
    }

    @Test
    void finishedSagasOlderThanTheWindowGoWithTheirEventsAndWaitingOrRecentOnesStay(DataSource dataSource,
            DSLContext dsl) throws Exception {
        UUID succeeded = saga(dsl, 40, "SUCCEEDED", "SUCCEEDED");
        UUID compensated = saga(dsl, 40, "FAILED", "COMPENSATED");
        UUID pending = saga(dsl, 40, "SUCCEEDED", "PENDING");
        UUID compensating = saga(dsl, 40, "FAILED", "COMPENSATING");
        UUID recent = saga(dsl, 2, "SUCCEEDED", "SUCCEEDED");

        try (Connection connection = dataSource.getConnection()) {
            assertThat(SagaRetention.deleteFinishedOlderThan(connection, WINDOW)).isEqualTo(4);
        }

        assertThat(sagasWithSteps(dsl)).containsExactlyInAnyOrder(pending, compensating, recent);
        assertThat(sagasWithEvents(dsl)).containsExactlyInAnyOrder(pending, compensating, recent);
        assertThat(succeeded).isNotIn(sagasWithSteps(dsl));
        assertThat(compensated).isNotIn(sagasWithEvents(dsl));
    }

    @Test
    void aBacklogLargerThanOneBatchIsDeletedInOneCall(DataSource dataSource, DSLContext dsl) throws Exception {
        int sagas = SagaRetention.BATCH_SAGAS * 2 + 3;
        dsl.execute("""
                INSERT INTO saga_log (saga_id, saga_type, step, status, updated_at)
                SELECT gen_random_uuid(), 'order', 'only', 'SUCCEEDED', now() - interval '40 days'
                FROM generate_series(1, ?)""", sagas);
        UUID pending = saga(dsl, 40, "PENDING", "PENDING");

        try (Connection connection = dataSource.getConnection()) {
            assertThat(SagaRetention.deleteFinishedOlderThan(connection, WINDOW)).isEqualTo(sagas);
        }

        assertThat(sagasWithSteps(dsl)).containsExactly(pending);
    }

    @Test
    void eventsOfSagasWithoutStepsHereGoWhenTheirLastEventIsOlderThanTheWindow(DataSource dataSource,
            DSLContext dsl) throws Exception {
        UUID old = UUID.randomUUID();
        UUID stillActive = UUID.randomUUID();
        event(dsl, old, 45);
        event(dsl, old, 40);
        event(dsl, stillActive, 45);
        event(dsl, stillActive, 1);

        try (Connection connection = dataSource.getConnection()) {
            assertThat(SagaRetention.deleteSteplessEventsOlderThan(connection, WINDOW)).isEqualTo(2);
        }

        assertThat(sagasWithEvents(dsl)).containsExactly(stillActive);
    }

    @Test
    void theScheduledJobDeletesFinishedSagas(DataSource dataSource, DSLContext dsl) {
        UUID finished = saga(dsl, 40, "SUCCEEDED", "SUCCEEDED");
        UUID pending = saga(dsl, 40, "PENDING", "SUCCEEDED");

        try (SagaRetention retention = SagaRetention.schedule(dataSource, WINDOW, Duration.ofMillis(100))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !sagasWithSteps(dsl).contains(finished));
        }

        assertThat(sagasWithSteps(dsl)).containsExactly(pending);
    }

    /** A saga of two steps with these statuses, last changed {@code daysAgo}, and one event. */
    private static UUID saga(DSLContext dsl, int daysAgo, String first, String second) {
        UUID sagaId = UUID.randomUUID();
        String age = daysAgo + " days";
        dsl.execute("""
                INSERT INTO saga_log (saga_id, saga_type, step, status, updated_at) VALUES
                  (?, 'order', 'reserve_stock', ?, now() - ?::interval),
                  (?, 'order', 'charge', ?, now() - ?::interval)""",
                sagaId, first, age, sagaId, second, age);
        event(dsl, sagaId, daysAgo);
        return sagaId;
    }

    private static void event(DSLContext dsl, UUID sagaId, int daysAgo) {
        dsl.execute("""
                INSERT INTO saga_event (saga_id, event_id, direction, type, occurred_at)
                VALUES (?, ?, 'PUBLISHED', 'OrderPlaced', now() - ?::interval)""",
                sagaId, UUID.randomUUID(), daysAgo + " days");
    }

    private static java.util.List<UUID> sagasWithSteps(DSLContext dsl) {
        return dsl.fetch("SELECT DISTINCT saga_id FROM saga_log").getValues(0, UUID.class);
    }

    private static java.util.List<UUID> sagasWithEvents(DSLContext dsl) {
        return dsl.fetch("SELECT DISTINCT saga_id FROM saga_event").getValues(0, UUID.class);
    }
}
