package dev.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 4: rows are kept by default; the retention job deletes old outbox and inbox rows only. */
@OutboxInfraTest
class RetentionIT {

    record Ping(String aggregateId) implements OutboxEvent {
        public String aggregateType() { return "ping"; }
        public String eventType() { return "Ping"; }
    }

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    @BeforeEach
    void empty(TestDatabase database) {
        database.execute("TRUNCATE outbox, processed_event");
    }

    private static int count(DSLContext dsl, String table) {
        return dsl.fetchOne("SELECT count(*) FROM " + table).get(0, Integer.class);
    }

    @Test
    void deletesOnlyRowsOlderThanTheRetentionInBatches(DataSource dataSource, DSLContext dsl) throws Exception {
        Outbox outbox = Outbox.create();
        int old = OutboxRetention.BATCH + 7; // more than one batch
        dsl.transaction(cfg -> outbox.publishAll(DSL.using(cfg),
                java.util.stream.IntStream.range(0, old).mapToObj(i -> new Ping("p" + i)).toList()));
        dsl.execute("UPDATE outbox SET created_at = now() - interval '8 days'");
        dsl.transaction(cfg -> outbox.publish(DSL.using(cfg), new Ping("recent")));
        dsl.execute("INSERT INTO processed_event (consumer_group, event_id, processed_at) VALUES "
                + "('g', ?::uuid, now() - interval '40 days'), ('g', ?::uuid, now())", UUID.randomUUID(), UUID.randomUUID());

        try (Connection connection = dataSource.getConnection()) {
            assertThat(OutboxRetention.deleteOutboxOlderThan(connection, "outbox", Duration.ofDays(7))).isEqualTo(old);
            assertThat(OutboxRetention.deleteProcessedOlderThan(connection, Duration.ofDays(30))).isEqualTo(1);
        }

        assertThat(dsl.fetch("SELECT aggregateid FROM outbox").getValues(0, String.class)).containsExactly("recent");
        assertThat(count(dsl, "processed_event")).isEqualTo(1);
        try (Connection connection = dataSource.getConnection()) {
            assertThatThrownBy(() -> OutboxRetention.deleteOutboxOlderThan(connection, "outbox;--", Duration.ZERO))
                    .hasMessageContaining("table");
        }
    }

    @Test
    void scheduledJobDeletesOldRowsInTheBackground(DataSource dataSource, DSLContext dsl) {
        dsl.transaction(cfg -> Outbox.create().publish(DSL.using(cfg), new Ping("old")));
        dsl.execute("UPDATE outbox SET created_at = now() - interval '2 hours'");
        dsl.transaction(cfg -> Outbox.create().publish(DSL.using(cfg), new Ping("recent")));

        try (OutboxRetention ignored = OutboxRetention.schedule(dataSource, "outbox", Duration.ofHours(1), null,
                Duration.ofMillis(50))) {
            await().atMost(Duration.ofSeconds(10)).until(() -> count(dsl, "outbox") == 1);
        }
        assertThat(dsl.fetch("SELECT aggregateid FROM outbox").getValues(0, String.class)).containsExactly("recent");
    }
}
