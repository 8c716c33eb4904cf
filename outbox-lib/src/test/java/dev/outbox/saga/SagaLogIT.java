package dev.outbox.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.Outbox;
import dev.outbox.OutboxConfig;
import dev.outbox.OutboxEvent;
import dev.outbox.OutboxHeaders;
import dev.outbox.consumer.ConsumedEvent;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 4: saga log in the caller's transaction, timeouts exactly once, status view. */
@OutboxInfraTest
class SagaLogIT {

    private final SagaLog sagaLog = SagaLog.create();
    private final ObjectMapper json = OutboxConfig.defaultObjectMapper();

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
        database.execute("CREATE TABLE timeout_effect (saga_id uuid NOT NULL, step text NOT NULL)");
    }

    @BeforeEach
    void empty(TestDatabase database) {
        database.execute("TRUNCATE saga_log, saga_event, timeout_effect, outbox");
    }

    @Test
    void stepWrittenInARolledBackTransactionLeavesNoRow(DSLContext dsl) {
        UUID sagaId = UUID.randomUUID();
        assertThatThrownBy(() -> dsl.transaction(cfg -> {
            sagaLog.startStep(DSL.using(cfg), sagaId, "order", "reserve_stock", null, Duration.ofSeconds(30));
            throw new IllegalStateException("rolled back");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(sagaLog.status(dsl, sagaId)).isEmpty();
    }

    @Test
    void aFinishedStepIsWrittenOnceInItsOutcomeAndNeverOverAnExistingStep(DSLContext dsl) {
        UUID sagaId = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            assertThat(sagaLog.recordFinishedStep(tx, sagaId, "order", "charge_credit", Map.of("amountCents", 500),
                    SagaStatus.SUCCEEDED, null)).isTrue();
            assertThat(sagaLog.recordFinishedStep(tx, sagaId, "order", "charge_credit", null, SagaStatus.FAILED,
                    "insufficient credit")).isFalse();
            assertThat(sagaLog.recordFinishedStep(tx, sagaId, "order", "refused", null, SagaStatus.FAILED,
                    "insufficient credit")).isTrue();
        });

        SagaStep charged = sagaLog.step(dsl, sagaId, "charge_credit").orElseThrow();
        assertThat(charged.status()).isEqualTo(SagaStatus.SUCCEEDED);
        assertThat(charged.attempts()).isEqualTo(1);
        assertThat(charged.deadlineAt()).isNull();
        assertThat(charged.lastError()).isNull();
        assertThat(charged.payload().get("amountCents").asInt()).isEqualTo(500);
        SagaStep refused = sagaLog.step(dsl, sagaId, "refused").orElseThrow();
        assertThat(refused.status()).isEqualTo(SagaStatus.FAILED);
        assertThat(refused.lastError()).isEqualTo("insufficient credit");
        // A finished step can still be compensated like any other.
        assertThat(sagaLog.markCompensating(dsl, sagaId, "charge_credit", "order cancelled")).isTrue();
        assertThatThrownBy(() -> sagaLog.recordFinishedStep(dsl, sagaId, "order", "other", null, SagaStatus.PENDING,
                null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SUCCEEDED or FAILED");
    }

    @Test
    void stepMovesThroughItsStatusesOnlyAlongAllowedTransitions(DSLContext dsl) {
        UUID sagaId = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            assertThat(sagaLog.startStep(tx, sagaId, "order", "reserve_stock", Map.of("orderId", "o-1"),
                    Duration.ofSeconds(30))).isTrue();
            assertThat(sagaLog.startStep(tx, sagaId, "order", "reserve_stock", null, null)).isFalse();
        });
        SagaStep started = sagaLog.step(dsl, sagaId, "reserve_stock").orElseThrow();
        assertThat(started.status()).isEqualTo(SagaStatus.PENDING);
        assertThat(started.attempts()).isEqualTo(1);
        assertThat(started.payload().get("orderId").asText()).isEqualTo("o-1");
        assertThat(started.deadlineAt()).isBetween(started.createdAt().plusSeconds(29), started.createdAt().plusSeconds(31));

        assertThat(sagaLog.markFailed(dsl, sagaId, "reserve_stock", "out of stock")).isTrue();
        assertThat(sagaLog.markSucceeded(dsl, sagaId, "reserve_stock")).isFalse(); // FAILED is not PENDING
        assertThat(sagaLog.retry(dsl, sagaId, "reserve_stock", Duration.ofMinutes(1))).isTrue();
        SagaStep retried = sagaLog.step(dsl, sagaId, "reserve_stock").orElseThrow();
        assertThat(retried.status()).isEqualTo(SagaStatus.PENDING);
        assertThat(retried.attempts()).isEqualTo(2);
        assertThat(retried.retriedAt()).isNotNull();
        assertThat(retried.lastError()).isEqualTo("out of stock");

        assertThat(sagaLog.markSucceeded(dsl, sagaId, "reserve_stock")).isTrue();
        assertThat(sagaLog.markTimedOut(dsl, sagaId, "reserve_stock", "late")).isFalse();
        assertThat(sagaLog.markCompensating(dsl, sagaId, "reserve_stock", "payment refused")).isTrue();
        assertThat(sagaLog.markCompensated(dsl, sagaId, "reserve_stock")).isTrue();
        assertThat(sagaLog.markCompensated(dsl, sagaId, "reserve_stock")).isFalse();
        SagaStep done = sagaLog.step(dsl, sagaId, "reserve_stock").orElseThrow();
        assertThat(done.status()).isEqualTo(SagaStatus.COMPENSATED);
        assertThat(done.lastError()).isEqualTo("payment refused");
        assertThat(done.updatedAt()).isAfterOrEqualTo(done.createdAt());
        assertThat(sagaLog.markSucceeded(dsl, UUID.randomUUID(), "reserve_stock")).isFalse();
    }

    @Test
    void worksOnAPlainJdbcConnectionWithOrWithoutADialect(DataSource dataSource, DSLContext dsl) throws Exception {
        UUID sagaId = UUID.randomUUID();
        try (java.sql.Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            sagaLog.startStep(DSL.using(connection, org.jooq.SQLDialect.POSTGRES), sagaId, "order", "a", null, null);
            sagaLog.startStep(DSL.using(connection), sagaId, "order", "b", Map.of("k", 1), Duration.ofMinutes(1));
            sagaLog.recordPublished(DSL.using(connection), sagaId, "b", UUID.randomUUID(), "OrderPlaced", null);
            assertThat(sagaLog.markSucceeded(DSL.using(connection), sagaId, "a")).isTrue();
            connection.commit();
        }
        SagaView view = sagaLog.status(dsl, sagaId).orElseThrow();
        assertThat(view.steps()).extracting(SagaStep::step, SagaStep::status).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("a", SagaStatus.SUCCEEDED),
                org.assertj.core.groups.Tuple.tuple("b", SagaStatus.PENDING));
        assertThat(view.events()).hasSize(1);
    }

    @Test
    void statusViewShowsStepsAndEventsAsJson(DSLContext dsl) throws Exception {
        UUID sagaId = UUID.randomUUID();
        UUID placed = UUID.randomUUID();
        UUID reserved = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            sagaLog.startStep(tx, sagaId, "order", "reserve_stock", Map.of("orderId", "o-1"), Duration.ofSeconds(30));
            sagaLog.recordPublished(tx, sagaId, "reserve_stock", placed, "OrderPlaced", "outbox.event.order");
            sagaLog.recordPublished(tx, sagaId, "reserve_stock", placed, "OrderPlaced", "outbox.event.order");
        });
        Instant relayedAt = Instant.parse("2026-12-04T10:15:30.123Z");
        ConsumedEvent consumed = new ConsumedEvent(reserved, "StockReserved", "outbox.event.inventory", 2, 41L, "o-1",
                relayedAt, Map.of("saga_id", sagaId.toString()));
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            sagaLog.recordConsumed(tx, sagaId, "reserve_stock", consumed);
            sagaLog.markSucceeded(tx, sagaId, "reserve_stock");
        });

        SagaView view = sagaLog.status(dsl, sagaId).orElseThrow();
        assertThat(dsl.fetchOne("SELECT relayed_at FROM saga_event WHERE event_id = ?::uuid", reserved)
                .get(0, java.time.OffsetDateTime.class).toInstant()).isEqualTo(relayedAt);
        assertThat(dsl.fetchOne("SELECT relayed_at FROM saga_event WHERE event_id = ?::uuid", placed).get(0))
                .isNull();
        assertThat(view.state()).isEqualTo("COMPLETED");
        assertThat(view.sagaType()).isEqualTo("order");
        assertThat(view.steps()).singleElement().satisfies(step -> {
            assertThat(step.status()).isEqualTo(SagaStatus.SUCCEEDED);
            assertThat(step.eventIds()).containsExactly(placed, reserved);
        });
        assertThat(view.events()).extracting(SagaEvent::eventId, SagaEvent::direction, SagaEvent::type, SagaEvent::topic)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(placed, SagaEvent.Direction.PUBLISHED, "OrderPlaced",
                                "outbox.event.order"),
                        org.assertj.core.groups.Tuple.tuple(reserved, SagaEvent.Direction.CONSUMED, "StockReserved",
                                "outbox.event.inventory"));

        JsonNode node = json.readTree(json.writeValueAsString(view));
        assertThat(node.get("sagaId").asText()).isEqualTo(sagaId.toString());
        assertThat(node.at("/steps/0/status").asText()).isEqualTo("SUCCEEDED");
        assertThat(node.at("/steps/0/payload/orderId").asText()).isEqualTo("o-1");
        assertThat(node.at("/steps/0/deadlineAt").isTextual()).isTrue();
        JsonNode consumedNode = findEvent(node, reserved);
        assertThat(consumedNode.get("partition").asInt()).isEqualTo(2);
        assertThat(consumedNode.get("offset").asLong()).isEqualTo(41L);
        assertThat(sagaLog.status(dsl, UUID.randomUUID())).isEmpty();
    }

    record OrderPlaced(UUID orderId) implements OutboxEvent {
        public String aggregateType() {
            return "order";
        }

        public String aggregateId() {
            return orderId.toString();
        }

        public String eventType() {
            return "OrderPlaced";
        }
    }

    /** Publishes through another Outbox implementation: the saga log falls back to publish + recordPublished. */
    private static Outbox wrapped(Outbox outbox) {
        return (Outbox) java.lang.reflect.Proxy.newProxyInstance(Outbox.class.getClassLoader(),
                new Class<?>[] {Outbox.class}, (proxy, method, args) -> method.invoke(outbox, args));
    }

    @Test
    void publishWritesTheEventAndRecordsItAsPublishThenRecordPublishedWould(DSLContext dsl) {
        Outbox outbox = Outbox.create();
        for (Outbox publisher : List.of(outbox, wrapped(outbox), Outbox.create(OutboxConfig.defaults()
                .withDeleteAfterInsert(true)))) {
            UUID sagaId = UUID.randomUUID();
            UUID eventId = dsl.transactionResult(cfg -> {
                DSLContext tx = DSL.using(cfg);
                sagaLog.startStep(tx, sagaId, "order", "reserve_stock", null, Duration.ofSeconds(30));
                sagaLog.publish(tx, publisher, sagaId, null, new OrderPlaced(sagaId), Map.of(), null);
                return sagaLog.publish(tx, publisher, sagaId, "reserve_stock", new OrderPlaced(sagaId),
                        OutboxHeaders.saga(sagaId), "outbox.event.order");
            });

            SagaView view = sagaLog.status(dsl, sagaId).orElseThrow();
            assertThat(view.steps()).singleElement().satisfies(step -> assertThat(step.eventIds())
                    .containsExactly(eventId));
            assertThat(view.events()).hasSize(2).allSatisfy(event -> {
                assertThat(event.direction()).isEqualTo(SagaEvent.Direction.PUBLISHED);
                assertThat(event.type()).isEqualTo("OrderPlaced");
            });
            assertThat(view.events()).filteredOn(event -> event.eventId().equals(eventId)).singleElement()
                    .satisfies(event -> assertThat(event.topic()).isEqualTo("outbox.event.order"));
            boolean deleted = publisher.config().deleteAfterInsert();
            assertThat(dsl.fetchCount(dsl.selectFrom("outbox").where("aggregateid = ?", sagaId.toString())))
                    .isEqualTo(deleted ? 0 : 2);
            if (!deleted) {
                assertThat(dsl.fetchOne("SELECT headers->>'saga_id' FROM outbox WHERE id = ?::uuid", eventId)
                        .get(0, String.class)).isEqualTo(sagaId.toString());
            }
        }
    }

    @Test
    void publishOutsideATransactionWritesNothing(DSLContext dsl) {
        UUID sagaId = UUID.randomUUID();
        assertThatThrownBy(() -> sagaLog.publish(dsl, Outbox.create(), sagaId, "reserve_stock",
                new OrderPlaced(sagaId), Map.of(), null)).isInstanceOf(IllegalStateException.class);

        assertThat(dsl.fetchCount(dsl.selectFrom("outbox"))).isZero();
        assertThat(sagaLog.status(dsl, sagaId)).isEmpty();
    }

    /** The interface's own default methods over the library's log: what another SagaLog implementation gets. */
    private static SagaLog withInterfaceDefaults(SagaLog log) {
        return (SagaLog) java.lang.reflect.Proxy.newProxyInstance(SagaLog.class.getClassLoader(),
                new Class<?>[] {SagaLog.class}, (proxy, method, args) -> method.isDefault()
                        ? java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args)
                        : method.invoke(log, args));
    }

    private static ConsumedEvent reply(UUID sagaId, String type) {
        return new ConsumedEvent(UUID.randomUUID(), type, "outbox.event.inventory", 0, 7L, sagaId.toString(),
                Instant.parse("2026-12-05T10:00:00Z"), Map.of());
    }

    @Test
    void aReplyIsRecordedAndEndsTheStepInOneCallOnlyAlongAllowedTransitions(DSLContext dsl) {
        for (SagaLog log : List.of(sagaLog, withInterfaceDefaults(sagaLog))) {
            UUID sagaId = UUID.randomUUID();
            ConsumedEvent reserved = reply(sagaId, "StockReserved");
            ConsumedEvent late = reply(sagaId, "StockReserved");
            ConsumedEvent released = reply(sagaId, "StockReleased");
            dsl.transaction(cfg -> {
                DSLContext tx = DSL.using(cfg);
                log.startStep(tx, sagaId, "order", "reserve_stock", null, Duration.ofSeconds(30));
                assertThat(log.recordConsumedAndMark(tx, sagaId, "reserve_stock", reserved, SagaStatus.SUCCEEDED,
                        null)).isTrue();
                // Not from SUCCEEDED: the event is recorded, the status stays.
                assertThat(log.recordConsumedAndMark(tx, sagaId, "reserve_stock", late, SagaStatus.FAILED,
                        "too late")).isFalse();
                // The same event again: nothing changes.
                assertThat(log.recordConsumedAndMark(tx, sagaId, "reserve_stock", reserved, SagaStatus.SUCCEEDED,
                        null)).isFalse();
                assertThat(log.recordConsumedAndMark(tx, sagaId, "no_such_step", released, SagaStatus.COMPENSATED,
                        null)).isFalse();
            });
            SagaStep step = log.step(dsl, sagaId, "reserve_stock").orElseThrow();
            assertThat(step.status()).isEqualTo(SagaStatus.SUCCEEDED);
            assertThat(step.lastError()).isNull();
            assertThat(step.eventIds()).containsExactly(reserved.eventId(), late.eventId());
            assertThat(log.status(dsl, sagaId).orElseThrow().events()).extracting(SagaEvent::eventId)
                    .containsExactlyInAnyOrder(reserved.eventId(), late.eventId(), released.eventId());
            assertThat(dsl.fetchOne("SELECT relayed_at FROM saga_event WHERE event_id = ?::uuid", reserved.eventId())
                    .get(0, java.time.OffsetDateTime.class).toInstant()).isEqualTo(reserved.timestamp());

            dsl.transaction(cfg -> {
                DSLContext tx = DSL.using(cfg);
                assertThat(log.recordConsumedAndMark(tx, sagaId, "reserve_stock", released, SagaStatus.COMPENSATED,
                        null)).isTrue();
                log.startStep(tx, sagaId, "order", "confirm_stock", null, Duration.ofSeconds(30));
                assertThat(log.recordConsumedAndMark(tx, sagaId, "confirm_stock", reply(sagaId, "StockCommitFailed"),
                        SagaStatus.FAILED, "no stock")).isTrue();
            });
            assertThat(log.step(dsl, sagaId, "reserve_stock").orElseThrow().status())
                    .isEqualTo(SagaStatus.COMPENSATED);
            SagaStep failed = log.step(dsl, sagaId, "confirm_stock").orElseThrow();
            assertThat(failed.status()).isEqualTo(SagaStatus.FAILED);
            assertThat(failed.lastError()).isEqualTo("no stock");
            assertThatThrownBy(() -> dsl.transaction(cfg -> log.recordConsumedAndMark(DSL.using(cfg), sagaId,
                    "confirm_stock", reply(sagaId, "X"), SagaStatus.PENDING, null)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static JsonNode findEvent(JsonNode view, UUID eventId) {
        for (JsonNode event : view.get("events")) {
            if (event.get("eventId").asText().equals(eventId.toString())) {
                return event;
            }
        }
        throw new AssertionError("no event " + eventId);
    }

    @Test
    void twoTimeoutScannersOnTheSameDatabaseHandleEachExpiredStepExactlyOnce(DataSource dataSource, DSLContext dsl) {
        int expired = 300;
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            for (int i = 0; i < expired; i++) {
                sagaLog.startStep(tx, UUID.randomUUID(), "order", "reserve_stock", null, Duration.ofMillis(-1));
            }
            sagaLog.startStep(tx, UUID.randomUUID(), "order", "reserve_stock", null, Duration.ofHours(1));
            sagaLog.startStep(tx, UUID.randomUUID(), "order", "no_deadline", null, null);
        });
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        TimeoutHandler handler = (tx, step) -> {
            calls.computeIfAbsent(step.sagaId() + "/" + step.step(), k -> new AtomicInteger()).incrementAndGet();
            tx.execute("INSERT INTO timeout_effect (saga_id, step) VALUES (?::uuid, ?)", step.sagaId(), step.step());
        };
        SimpleMeterRegistry meters = new SimpleMeterRegistry();

        try (SagaTimeoutScanner first = SagaTimeoutScanner.builder(dataSource, handler).batchSize(7)
                .interval(Duration.ofMillis(20)).meterRegistry(meters).start();
             SagaTimeoutScanner second = SagaTimeoutScanner.builder(dataSource, handler).batchSize(7)
                .interval(Duration.ofMillis(20)).meterRegistry(meters).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> dsl.fetchOne(
                    "SELECT count(*) FROM saga_log WHERE status = 'TIMED_OUT'").get(0, Integer.class) == expired);
        }

        assertThat(calls).hasSize(expired);
        assertThat(calls.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
        assertThat(dsl.fetchOne("SELECT count(*), count(DISTINCT (saga_id, step)) FROM timeout_effect").intoArray())
                .containsExactly(Long.valueOf(expired), Long.valueOf(expired));
        assertThat(dsl.fetchOne("SELECT count(*) FROM saga_log WHERE status = 'PENDING'").get(0, Integer.class))
                .isEqualTo(2);
        assertThat(dsl.fetchOne("SELECT count(*) FROM saga_log WHERE status = 'TIMED_OUT' AND last_error LIKE 'deadline%'")
                .get(0, Integer.class)).isEqualTo(expired);
        assertThat(meters.counter("outbox.saga.timeouts", "outcome", "timed_out").count()).isEqualTo(expired);
    }

    @Test
    void failingTimeoutHandlerRollsBackItsWorkKeepsTheStepPendingAndIsRetried(DataSource dataSource, DSLContext dsl) {
        UUID failing = UUID.randomUUID();
        UUID fine = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            sagaLog.startStep(tx, failing, "order", "reserve_stock", null, Duration.ofMillis(-1));
            sagaLog.startStep(tx, fine, "order", "reserve_stock", null, Duration.ofMillis(-1));
        });
        AtomicBoolean failOnce = new AtomicBoolean(true);
        SagaTimeoutScanner scanner = SagaTimeoutScanner.builder(dataSource, (tx, step) -> {
            tx.execute("INSERT INTO timeout_effect (saga_id, step) VALUES (?::uuid, ?)", step.sagaId(), step.step());
            if (step.sagaId().equals(failing) && failOnce.getAndSet(false)) {
                throw new IllegalStateException("order service busy");
            }
        }).meterRegistry(new SimpleMeterRegistry()).backoff(Duration.ZERO, Duration.ZERO).build();

        assertThat(scanner.scanOnce()).isEqualTo(1);
        SagaStep stillPending = sagaLog.step(dsl, failing, "reserve_stock").orElseThrow();
        assertThat(stillPending.status()).isEqualTo(SagaStatus.PENDING);
        assertThat(stillPending.lastError()).contains("order service busy");
        assertThat(sagaLog.step(dsl, fine, "reserve_stock").orElseThrow().status()).isEqualTo(SagaStatus.TIMED_OUT);
        assertThat(dsl.fetch("SELECT saga_id FROM timeout_effect").getValues(0, UUID.class)).containsExactly(fine);

        assertThat(scanner.scanOnce()).isEqualTo(1);
        assertThat(sagaLog.step(dsl, failing, "reserve_stock").orElseThrow().status()).isEqualTo(SagaStatus.TIMED_OUT);
        assertThat(scanner.scanOnce()).isZero();
        scanner.close();
    }

    @Test
    void handlerMayMoveTheStepItselfAndTheScannerLeavesItThere(DataSource dataSource, DSLContext dsl) {
        UUID sagaId = UUID.randomUUID();
        sagaLog.startStep(dsl, sagaId, "order", "reserve_stock", null, Duration.ofMillis(-1));
        SagaTimeoutScanner scanner = SagaTimeoutScanner.builder(dataSource,
                (tx, step) -> sagaLog.markCompensating(tx, step.sagaId(), step.step(), "timed out: cancelling"))
                .meterRegistry(new SimpleMeterRegistry()).sagaTypes("order").build();

        assertThat(scanner.scanOnce()).isEqualTo(1);

        SagaStep step = sagaLog.step(dsl, sagaId, "reserve_stock").orElseThrow();
        assertThat(step.status()).isEqualTo(SagaStatus.COMPENSATING);
        assertThat(sagaLog.status(dsl, sagaId).orElseThrow().state()).isEqualTo("RUNNING");
        assertThat(scanner.scanOnce()).isZero();
    }

    @Test
    void errorThrownByAHandlerNeitherEndsTheScanNorCancelsTheSchedule(DataSource dataSource, DSLContext dsl) {
        UUID throwsError = UUID.randomUUID();
        UUID fine = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            sagaLog.startStep(tx, throwsError, "order", "reserve_stock", null, Duration.ofMillis(-2));
            sagaLog.startStep(tx, fine, "order", "reserve_stock", null, Duration.ofMillis(-1));
        });
        AtomicInteger calls = new AtomicInteger();
        try (SagaTimeoutScanner scanner = SagaTimeoutScanner.builder(dataSource, (tx, step) -> {
                    calls.incrementAndGet();
                    if (step.sagaId().equals(throwsError)) {
                        throw new NoClassDefFoundError("com/example/Missing");
                    }
                }).meterRegistry(new SimpleMeterRegistry()).interval(Duration.ofMillis(50))
                .backoff(Duration.ofMillis(100), Duration.ofMillis(100)).maxAttempts(3).start()) {

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(sagaLog.step(dsl, fine, "reserve_stock").orElseThrow().status())
                        .isEqualTo(SagaStatus.TIMED_OUT);
                SagaStep failed = sagaLog.step(dsl, throwsError, "reserve_stock").orElseThrow();
                assertThat(failed.status()).isEqualTo(SagaStatus.FAILED);
                assertThat(failed.lastError()).contains("NoClassDefFoundError").contains("attempt 3 of 3");
                assertThat(failed.deadlineAt()).isNull();
            });
            // Three attempts at the failing step (1 start + 2 pushed out) and one at the fine one: scans went on.
            assertThat(calls.get()).isEqualTo(4);
        }
    }

    @Test
    void stepsWhoseHandlerKeepsFailingAreBackedOffAndNeverStarveTheOthers(DataSource dataSource, DSLContext dsl) {
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            for (int i = 0; i < 5; i++) {
                sagaLog.startStep(tx, UUID.randomUUID(), "poison", "reserve_stock", null, Duration.ofMillis(-10));
            }
        });
        UUID healthy = UUID.randomUUID();
        sagaLog.startStep(dsl, healthy, "order", "reserve_stock", null, Duration.ofMillis(-1));
        SagaTimeoutScanner scanner = SagaTimeoutScanner.builder(dataSource, (tx, step) -> {
            if (step.sagaType().equals("poison")) {
                throw new IllegalStateException("always fails");
            }
        }).meterRegistry(new SimpleMeterRegistry()).batchSize(5).backoff(Duration.ofMinutes(1), Duration.ofMinutes(1))
                .build();

        // The first batch holds only the five failing steps (oldest deadlines); they are pushed a minute out.
        assertThat(scanner.scanOnce()).isZero();
        assertThat(dsl.fetchValue("SELECT count(*) FROM saga_log WHERE saga_type = 'poison' AND attempts = 2 "
                + "AND deadline_at > now() + interval '50 seconds'", Long.class)).isEqualTo(5L);
        // The next scan reaches the healthy step.
        assertThat(scanner.scanOnce()).isEqualTo(1);
        assertThat(sagaLog.step(dsl, healthy, "reserve_stock").orElseThrow().status())
                .isEqualTo(SagaStatus.TIMED_OUT);
    }

    @Test
    void unacknowledgedCompensationIsResentWithBackoffThenEscalatedToFailed(DataSource dataSource, DSLContext dsl) {
        UUID sagaId = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            sagaLog.startStep(tx, sagaId, "order", "reserve_stock", null, Duration.ofSeconds(30));
            sagaLog.markCompensating(tx, sagaId, "reserve_stock", "cancelled", Duration.ofMillis(-1));
        });
        AtomicInteger resent = new AtomicInteger();
        SagaTimeoutScanner scanner = SagaTimeoutScanner.builder(dataSource, (tx, step) -> {
            assertThat(step.status()).isEqualTo(SagaStatus.COMPENSATING);
            resent.incrementAndGet();
        }).meterRegistry(new SimpleMeterRegistry()).backoff(Duration.ZERO, Duration.ZERO).maxAttempts(3).build();

        assertThat(scanner.scanOnce()).isEqualTo(1);
        SagaStep afterOne = sagaLog.step(dsl, sagaId, "reserve_stock").orElseThrow();
        assertThat(afterOne.status()).isEqualTo(SagaStatus.COMPENSATING);
        assertThat(afterOne.attempts()).isEqualTo(2);
        assertThat(scanner.scanOnce()).isEqualTo(1);
        assertThat(scanner.scanOnce()).isEqualTo(1);
        SagaStep escalated = sagaLog.step(dsl, sagaId, "reserve_stock").orElseThrow();
        assertThat(escalated.status()).isEqualTo(SagaStatus.FAILED);
        assertThat(escalated.lastError()).contains("compensation not acknowledged after 3 attempts");
        assertThat(resent.get()).isEqualTo(3);
        assertThat(scanner.scanOnce()).isZero();
    }

    @Test
    void compensationWithoutADeadlineIsLeftAlone(DataSource dataSource, DSLContext dsl) {
        UUID sagaId = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            sagaLog.startStep(tx, sagaId, "order", "reserve_stock", null, Duration.ofMillis(-1));
            sagaLog.markCompensating(tx, sagaId, "reserve_stock", "cancelled");
        });
        SagaTimeoutScanner scanner = SagaTimeoutScanner.builder(dataSource, (tx, step) -> {
            throw new AssertionError("not expected: " + step);
        }).meterRegistry(new SimpleMeterRegistry()).build();

        assertThat(scanner.scanOnce()).isZero();
        SagaStep step = sagaLog.step(dsl, sagaId, "reserve_stock").orElseThrow();
        assertThat(step.deadlineAt()).isNull();
        assertThat(step.attempts()).isEqualTo(1);
        assertThat(step.status()).isEqualTo(SagaStatus.COMPENSATING);
    }

    @Test
    void handlerThatRetriesAForwardStepKeepsItPendingWithItsNewDeadline(DataSource dataSource, DSLContext dsl) {
        UUID sagaId = UUID.randomUUID();
        sagaLog.startStep(dsl, sagaId, "order", "confirm_stock", null, Duration.ofMillis(-1));
        SagaTimeoutScanner scanner = SagaTimeoutScanner.builder(dataSource,
                (tx, step) -> sagaLog.retry(tx, step.sagaId(), step.step(), Duration.ofMinutes(1)))
                .meterRegistry(new SimpleMeterRegistry()).build();

        assertThat(scanner.scanOnce()).isEqualTo(1);

        SagaStep step = sagaLog.step(dsl, sagaId, "confirm_stock").orElseThrow();
        assertThat(step.status()).isEqualTo(SagaStatus.PENDING);
        assertThat(step.attempts()).isEqualTo(2);
        assertThat(step.deadlineAt()).isAfter(Instant.now().plusSeconds(30));
    }

    @Test
    void stuckStepsAreThoseOverdueOrGivenUpOnNotNormalFailures(DSLContext dsl) {
        UUID overdue = UUID.randomUUID();
        UUID givenUp = UUID.randomUUID();
        UUID outOfStock = UUID.randomUUID();
        UUID waiting = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            sagaLog.startStep(tx, overdue, "order", "reserve_stock", null, Duration.ofMillis(-1));
            sagaLog.startStep(tx, givenUp, "order", "confirm_stock", null, Duration.ofSeconds(30));
            sagaLog.markFailed(tx, givenUp, "confirm_stock", SagaQueries.STUCK_MARK + "no acknowledgement");
            sagaLog.startStep(tx, outOfStock, "order", "reserve_stock", null, Duration.ofSeconds(30));
            sagaLog.markFailed(tx, outOfStock, "reserve_stock", "out of stock");
            sagaLog.startStep(tx, waiting, "order", "reserve_stock", null, Duration.ofSeconds(30));
        });
        SagaQueries queries = SagaQueries.create();

        assertThat(queries.steps(dsl, SagaQueries.StepFilter.stuck(100))).extracting(SagaStep::sagaId)
                .containsExactlyInAnyOrder(overdue, givenUp);
        assertThat(queries.steps(dsl, new SagaQueries.StepFilter(null, "reserve_stock", null, null, true, 100)))
                .extracting(SagaStep::sagaId).containsExactly(overdue);
        assertThat(queries.steps(dsl, new SagaQueries.StepFilter(SagaStatus.FAILED, null, null, null, false, 100)))
                .extracting(SagaStep::sagaId).containsExactlyInAnyOrder(givenUp, outOfStock);
        assertThat(queries.steps(dsl, new SagaQueries.StepFilter(null, null, null, Duration.ofHours(1), false, 100)))
                .isEmpty();
        assertThat(queries.waiting(dsl)).extracting(w -> w.step() + "/" + w.status() + "=" + w.count() + "," + w.stuck())
                .containsExactly("confirm_stock/FAILED=1,1", "reserve_stock/PENDING=2,1");
    }

    @Test
    void gaugesCountWaitingAndStuckStepsPerStepAndDropEmptiedGroups(DataSource dataSource, DSLContext dsl) {
        UUID overdue = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            sagaLog.startStep(tx, overdue, "order", "reserve_stock", null, Duration.ofMillis(-1));
            sagaLog.startStep(tx, UUID.randomUUID(), "order", "reserve_stock", null, Duration.ofSeconds(30));
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SagaGauges gauges = SagaGauges.start(dataSource, registry, Duration.ofHours(1))) {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(registry
                    .find("outbox.saga.steps.waiting").tag("step", "reserve_stock").gauge()).isNotNull());
            assertThat(registry.get("outbox.saga.steps.waiting").tag("status", "PENDING").gauge().value())
                    .isEqualTo(2.0);
            assertThat(registry.get("outbox.saga.steps.stuck").tag("step", "reserve_stock").gauge().value())
                    .isEqualTo(1.0);
            assertThat(registry.get("outbox.saga.steps.oldest.age").tag("step", "reserve_stock").gauge().value())
                    .isGreaterThanOrEqualTo(0.0);

            dsl.execute("TRUNCATE saga_log");
            gauges.refresh();
            assertThat(registry.find("outbox.saga.steps.waiting").tag("step", "reserve_stock").gauge()).isNull();
        }
    }
}
