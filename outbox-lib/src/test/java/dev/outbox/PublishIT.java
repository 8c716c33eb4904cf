package dev.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 4: publish in the caller's transaction, batch publish, validation. */
@OutboxInfraTest
class PublishIT {

    record OrderPlaced(UUID orderId, String customer, Instant at) implements OutboxEvent {
        public String aggregateType() { return "order"; }
        public String aggregateId() { return orderId.toString(); }
        public String eventType() { return "OrderPlaced"; }
    }

    record Anything(String aggregateType, String aggregateId, String eventType, Object body) implements OutboxEvent {
    }

    private final Outbox outbox = Outbox.create();
    private final ObjectMapper json = OutboxConfig.defaultObjectMapper();

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    @BeforeEach
    void empty(TestDatabase database) {
        database.execute("TRUNCATE outbox");
    }

    @Test
    void publishInRolledBackTransactionLeavesNoRow(DSLContext dsl) {
        assertThatThrownBy(() -> dsl.transaction(cfg -> {
            outbox.publish(DSL.using(cfg), new OrderPlaced(UUID.randomUUID(), "c1", Instant.now()));
            throw new IllegalStateException("business rule failed");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(dsl.fetchCount(DSL.table("outbox"))).isZero();
    }

    @Test
    void publishInCommittedTransactionWritesExactlyTheContractColumns(DSLContext dsl) throws Exception {
        UUID orderId = UUID.randomUUID();
        OrderPlaced event = new OrderPlaced(orderId, "c1", Instant.parse("2026-01-02T03:04:05Z"));

        UUID id = dsl.transactionResult(cfg -> outbox.publish(DSL.using(cfg), event));

        Record row = dsl.fetchOne("SELECT * FROM outbox");
        assertThat(row.fields()).extracting(f -> f.getName())
                .containsExactly("id", "aggregatetype", "aggregateid", "type", "payload", "headers", "created_at");
        assertThat(row.get("id", UUID.class)).isEqualTo(id);
        assertThat(id.version()).isEqualTo(7);
        assertThat(row.get("aggregatetype", String.class)).isEqualTo("order");
        assertThat(row.get("aggregateid", String.class)).isEqualTo(orderId.toString());
        assertThat(row.get("type", String.class)).isEqualTo("OrderPlaced");
        assertThat(json.readTree(row.get("payload", String.class))).isEqualTo(json.readTree(
                "{\"orderId\":\"" + orderId + "\",\"customer\":\"c1\",\"at\":\"2026-01-02T03:04:05Z\"}"));
        JsonNode headers = json.readTree(row.get("headers", String.class));
        assertThat(headers.get(OutboxHeaders.CORRELATION_ID).asText()).isEqualTo(id.toString());
        assertThat(headers.has(OutboxHeaders.CAUSATION_ID)).isFalse();
        assertThat(row.get("created_at")).isNotNull();
    }

    @Test
    void publishWithJdbcConnectionJoinsTheCallersTransaction(DataSource dataSource, DSLContext dsl) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            outbox.publish(c, new OrderPlaced(UUID.randomUUID(), "c1", Instant.now()), OutboxHeaders.saga(UUID.randomUUID()));
            c.rollback();
            UUID kept = outbox.publish(c, new OrderPlaced(UUID.randomUUID(), "c2", Instant.now()));
            c.commit();
            assertThat(dsl.fetch("SELECT id FROM outbox").getValues(0, UUID.class)).containsExactly(kept);
        }
    }

    @Test
    void publishOnAnAutoCommitConnectionIsRefusedSayingWhatToDoAndWritesNothing(DataSource dataSource, DSLContext dsl)
            throws Exception {
        try (Connection c = dataSource.getConnection()) {
            assertThat(c.getAutoCommit()).isTrue();

            assertThatThrownBy(() -> outbox.publish(c, new OrderPlaced(UUID.randomUUID(), "c1", Instant.now())))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("auto-commit")
                    .hasMessageContaining("setAutoCommit(false)")
                    .hasMessageContaining("@Transactional");
            assertThatThrownBy(() -> outbox.publishAll(c, List.of(new OrderPlaced(UUID.randomUUID(), "c1", Instant.now()))))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThat(dsl.fetchCount(DSL.table("outbox"))).isZero();
    }

    @Test
    void publishOnADslContextOutsideATransactionIsRefusedSayingWhatToDoAndWritesNothing(DSLContext dsl) {
        OrderPlaced event = new OrderPlaced(UUID.randomUUID(), "c1", Instant.now());

        assertThatThrownBy(() -> outbox.publish(dsl, event))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("outside")
                .hasMessageContaining("dsl.transaction(")
                .hasMessageContaining("@Transactional");
        assertThatThrownBy(() -> outbox.publishAll(dsl, List.of(event), Map.of()))
                .isInstanceOf(IllegalStateException.class);
        assertThat(dsl.fetchCount(DSL.table("outbox"))).isZero();
    }

    @Test
    void publishOnADslContextOverAConnectionInATransactionJoinsIt(DataSource dataSource, DSLContext dsl)
            throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            outbox.publish(DSL.using(c), new OrderPlaced(UUID.randomUUID(), "c1", Instant.now()));
            c.rollback();
        }
        assertThat(dsl.fetchCount(DSL.table("outbox"))).isZero();
    }

    @Test
    void explicitHeadersAreStored(DSLContext dsl) throws Exception {
        UUID sagaId = UUID.randomUUID();
        dsl.transaction(cfg -> outbox.publish(DSL.using(cfg),
                new OrderPlaced(UUID.randomUUID(), "c1", Instant.now()), OutboxHeaders.saga(sagaId)));

        JsonNode headers = json.readTree(dsl.fetchOne("SELECT headers::text FROM outbox").get(0, String.class));
        assertThat(headers.get(OutboxHeaders.SAGA_ID).asText()).isEqualTo(sagaId.toString());
    }

    @Test
    void traceContextOfTheCurrentSpanIsCaptured(DSLContext dsl) throws Exception {
        SpanContext remote = SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4736",
                "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.builder().put("vendor", "x").build());
        try (Scope ignored = Context.current().with(Span.wrap(remote)).makeCurrent()) {
            dsl.transaction(cfg -> outbox.publish(DSL.using(cfg), new OrderPlaced(UUID.randomUUID(), "c1", Instant.now())));
        }

        JsonNode headers = json.readTree(dsl.fetchOne("SELECT headers::text FROM outbox").get(0, String.class));
        assertThat(headers.get(OutboxHeaders.TRACEPARENT).asText())
                .isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(headers.get(OutboxHeaders.TRACESTATE).asText()).isEqualTo("vendor=x");
    }

    @Test
    void batchPublishWritesEveryEventWithTimeOrderedIds(DSLContext dsl) {
        List<OrderPlaced> events = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            events.add(new OrderPlaced(UUID.randomUUID(), "c" + i, Instant.now()));
        }

        List<UUID> ids = dsl.transactionResult(cfg -> outbox.publishAll(DSL.using(cfg), events));

        assertThat(ids).hasSize(500).doesNotHaveDuplicates();
        assertThat(ids).isSortedAccordingTo(UUID::compareTo);
        List<String> customers = dsl.fetch("SELECT payload->>'customer' FROM outbox ORDER BY id").getValues(0, String.class);
        assertThat(customers).containsExactlyElementsOf(events.stream().map(OrderPlaced::customer).toList());
    }

    @Test
    void deleteAfterInsertLeavesTheTableEmptyButTheInsertInTheWal(TestDatabase database, DSLContext dsl) {
        Outbox deleting = Outbox.create(OutboxConfig.defaults().withDeleteAfterInsert(true));
        database.execute("SELECT pg_create_logical_replication_slot('publish_it', 'test_decoding')");
        try {
            dsl.transaction(cfg -> deleting.publish(DSL.using(cfg), new OrderPlaced(UUID.randomUUID(), "c1", Instant.now())));

            assertThat(dsl.fetchCount(DSL.table("outbox"))).isZero();
            List<String> changes = dsl.fetch("SELECT data FROM pg_logical_slot_get_changes('publish_it', NULL, NULL)")
                    .getValues(0, String.class);
            assertThat(changes).anyMatch(c -> c.startsWith("table public.outbox: INSERT"));
            assertThat(changes).anyMatch(c -> c.startsWith("table public.outbox: DELETE"));
        } finally {
            database.execute("SELECT pg_drop_replication_slot('publish_it')");
        }
    }

    @Test
    void blankAggregateIdFailsNamingTheFieldAndWritesNothing(DSLContext dsl) {
        assertInvalid(dsl, new Anything("order", " ", "OrderPlaced", "x"), "aggregateId");
    }

    @Test
    void blankAggregateTypeFailsNamingTheFieldAndWritesNothing(DSLContext dsl) {
        assertInvalid(dsl, new Anything("", "42", "OrderPlaced", "x"), "aggregateType");
    }

    @Test
    void blankEventTypeFailsNamingTheFieldAndWritesNothing(DSLContext dsl) {
        assertInvalid(dsl, new Anything("order", "42", null, "x"), "eventType");
    }

    @Test
    void payloadJacksonCannotWriteFailsNamingTheFieldAndWritesNothing(DSLContext dsl) {
        assertInvalid(dsl, new Anything("order", "42", "OrderPlaced", new Object()), "payload");
    }

    @Test
    void payloadOverTheSizeLimitFailsNamingTheFieldAndWritesNothing(DSLContext dsl) {
        assertInvalid(dsl, new Anything("order", "42", "OrderPlaced", "x".repeat(OutboxConfig.DEFAULT_MAX_PAYLOAD_BYTES)),
                "payload");
        Outbox small = Outbox.create(OutboxConfig.defaults().withMaxPayloadBytes(100));
        assertThatThrownBy(() -> dsl.transaction(cfg -> small.publish(DSL.using(cfg),
                new Anything("order", "42", "OrderPlaced", "y".repeat(100)))))
                .isInstanceOf(OutboxValidationException.class)
                .hasMessageContaining("maxPayloadBytes=100");
    }

    @Test
    void sizeLimitCountsTheJsonAsPostgresqlPrintsItForTheRelay(DSLContext dsl) {
        // Many separators: PostgreSQL prints jsonb with a space after each ',' and ':', ~1.7x this compact text.
        Anything dense = new Anything("order", "42", "T", java.util.Collections.nCopies(200, 1));
        dsl.transaction(cfg -> outbox.publish(DSL.using(cfg), dense));
        int printed = dsl.fetchOne("SELECT octet_length(payload::text) FROM outbox").get(0, Integer.class);
        dsl.execute("TRUNCATE outbox");

        Outbox exact = Outbox.create(OutboxConfig.defaults().withMaxPayloadBytes(printed));
        dsl.transaction(cfg -> exact.publish(DSL.using(cfg), dense));
        Outbox oneLess = Outbox.create(OutboxConfig.defaults().withMaxPayloadBytes(printed - 1));
        assertThatThrownBy(() -> dsl.transaction(cfg -> oneLess.publish(DSL.using(cfg), dense)))
                .isInstanceOfSatisfying(OutboxValidationException.class, e -> assertThat(e.field()).isEqualTo("payload"));
        assertThat(dsl.fetchCount(DSL.table("outbox"))).isEqualTo(1);
    }

    @Test
    void oneInvalidEventInABatchWritesNothing(DSLContext dsl) {
        List<OutboxEvent> batch = List.of(
                new Anything("order", "1", "OrderPlaced", "ok"),
                new Anything("order", "", "OrderPlaced", "bad"));
        assertThatThrownBy(() -> dsl.transaction(cfg -> {
            outbox.publishAll(DSL.using(cfg), batch);
        })).isInstanceOfSatisfying(OutboxValidationException.class, e -> assertThat(e.field()).isEqualTo("aggregateId"));
        assertThat(dsl.fetchCount(DSL.table("outbox"))).isZero();
    }

    @Test
    void invalidHeadersFailNamingTheField(DSLContext dsl) {
        Map<String, String> bad = new java.util.HashMap<>();
        bad.put(" ", "x");
        assertThatThrownBy(() -> outbox.publish(dsl, new Anything("order", "1", "T", "ok"), bad))
                .isInstanceOfSatisfying(OutboxValidationException.class, e -> assertThat(e.field()).isEqualTo("headers"));
        assertThat(dsl.fetchCount(DSL.table("outbox"))).isZero();
    }

    private void assertInvalid(DSLContext dsl, OutboxEvent event, String field) {
        assertThatThrownBy(() -> dsl.transaction(cfg -> {
            outbox.publish(DSL.using(cfg), event);
        })).isInstanceOfSatisfying(OutboxValidationException.class, e -> assertThat(e.field()).isEqualTo(field));
        try (Connection c = dsl.configuration().connectionProvider().acquire()) {
            assertThatThrownBy(() -> outbox.publish(c, event)).isInstanceOf(OutboxValidationException.class);
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
        assertThat(dsl.fetchCount(DSL.table("outbox"))).isZero();
    }
}
