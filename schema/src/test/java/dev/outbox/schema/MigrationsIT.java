package dev.outbox.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.Postgres;
import dev.outbox.testkit.TestDatabase;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

@OutboxInfraTest
class MigrationsIT {

    @Test
    void libraryMigrationsApplyToAnEmptyDatabaseAndASecondRunChangesNothing(TestDatabase database) {
        var first = OutboxSchema.migrateLibrary(database.dataSource());
        var second = OutboxSchema.migrateLibrary(database.dataSource());

        assertThat(first.success).isTrue();
        assertThat(first.migrationsExecuted).isEqualTo(7);
        assertThat(second.success).isTrue();
        assertThat(second.migrationsExecuted).isZero();
        assertThat(tables(database.dsl()))
                .contains("outbox", "processed_event", "saga_log", "saga_event");
        assertThat(database.dsl().fetchValue(
                "SELECT pubinsert AND NOT pubupdate AND NOT pubdelete FROM pg_publication WHERE pubname = 'outbox_pub'"))
                .isEqualTo(true);
        assertThat(database.dsl().fetchValues(
                "SELECT tablename FROM pg_publication_tables WHERE pubname = 'outbox_pub'").stream()
                .map(String::valueOf).toList())
                .containsExactly("outbox");
    }

    @Test
    void theTimeoutScannersClaimCanReadOnlyTheWaitingStepsThroughAnIndex(Postgres postgres) {
        try (TestDatabase database = postgres.createDatabase("t_saga_log_deadline_index")) {
            OutboxSchema.migrateLibrary(database.dataSource());

            // With sequential scans priced out, the plan shows whether an index can answer the claim's predicate.
            String plan = database.dsl().transactionResult(cfg -> {
                cfg.dsl().execute("SET LOCAL enable_seqscan = off");
                return String.join("\n", cfg.dsl().fetchValues("""
                        EXPLAIN SELECT saga_id, step FROM saga_log
                         WHERE status IN ('PENDING', 'COMPENSATING') AND deadline_at <= now()
                         ORDER BY deadline_at LIMIT 100 FOR UPDATE SKIP LOCKED""")
                        .stream().map(String::valueOf).toList());
            });

            assertThat(plan).contains("saga_log_waiting_deadline_idx").doesNotContain("Seq Scan");
        }
    }

    @Test
    void outboxTableHasExactlyTheContractColumns(Postgres postgres) {
        try (TestDatabase database = postgres.createDatabase("t_outbox_columns")) {
            OutboxSchema.migrateLibrary(database.dataSource());

            List<String> columns = database.dsl().fetchValues("""
                    SELECT column_name || ' ' || data_type || ' ' || is_nullable FROM information_schema.columns
                     WHERE table_schema = 'public' AND table_name = 'outbox' ORDER BY ordinal_position""")
                    .stream().map(String::valueOf).toList();

            assertThat(columns).containsExactly(
                    "id uuid NO",
                    "aggregatetype text NO",
                    "aggregateid text NO",
                    "type text NO",
                    "payload jsonb NO",
                    "headers jsonb NO",
                    "created_at timestamp with time zone NO");
        }
    }

    @Test
    void serviceMigrationsAtTheDefaultLocationApplyBesideTheLibraryOnesWithoutAVersionClash(Postgres postgres) {
        try (TestDatabase database = postgres.createDatabase("t_service_beside_library")) {
            // What Spring Boot's Flyway does by default: classpath:db/migration, history flyway_schema_history.
            Flyway service = Flyway.configure().dataSource(database.dataSource()).load();

            var serviceRun = service.migrate();
            var libraryRun = OutboxSchema.migrateLibrary(database.dataSource());

            assertThat(serviceRun.migrationsExecuted).isEqualTo(1);
            assertThat(libraryRun.migrationsExecuted).isEqualTo(7);
            assertThat(service.info().applied()).extracting(m -> m.getScript())
                    .containsExactly("V1__service_account.sql");
            assertThat(tables(database.dsl())).contains("account", "outbox", "processed_event",
                    "flyway_schema_history", OutboxSchema.HISTORY_TABLE);
        }
    }

    @Test
    void libraryMigrationsTakeTheGivenPublicationName(Postgres postgres) {
        try (TestDatabase database = postgres.createDatabase("t_named_publication")) {
            OutboxSchema.migrateLibrary(database.dataSource(), "orders_pub");

            assertThat(database.dsl().fetchValues("SELECT pubname FROM pg_publication").stream()
                    .map(String::valueOf).toList()).containsExactly("orders_pub");
        }
    }

    private static List<String> tables(DSLContext dsl) {
        return dsl.fetchValues("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").stream()
                .map(String::valueOf).toList();
    }
}
