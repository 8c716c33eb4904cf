package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outbox.Outbox;
import dev.outbox.OutboxConfig;
import dev.outbox.OutboxEvent;
import dev.outbox.OutboxHeaders;
import dev.outbox.support.RelayRecords;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.Postgres;
import dev.outbox.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Issue 4: the idempotent consumer runner against a real broker and a real database. */
@OutboxInfraTest
class ConsumerIT {

    record StockReserved(UUID orderId, int quantity) {
    }

    record OrderConfirmed(UUID orderId) implements OutboxEvent {
        public String aggregateType() { return "order"; }
        public String aggregateId() { return orderId.toString(); }
        public String eventType() { return "OrderConfirmed"; }
    }

    private final List<EventConsumer> consumers = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private RelayRecords relay;
    private String topic;
    private String group;

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
        database.execute("CREATE TABLE effect (event_id uuid NOT NULL, order_id uuid NOT NULL)");
    }

    @BeforeEach
    void setUp(Kafka kafka, TestDatabase database) {
        relay = new RelayRecords(kafka.bootstrapServers());
        topic = "outbox.event.inventory-" + UUID.randomUUID();
        group = "order-" + UUID.randomUUID();
        kafka.createTopic(topic, 2);
        database.execute("TRUNCATE effect, outbox");
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        relay.close();
    }

    /** The handler's effect: one row per application, so a duplicate application shows. */
    private static void applyEffect(DSLContext tx, StockReserved event, ConsumedEvent context) {
        tx.execute("INSERT INTO effect (event_id, order_id) VALUES (?::uuid, ?::uuid)", context.eventId(), event.orderId());
    }

    private EventConsumer.Builder runner(DataSource dataSource, Kafka kafka) {
        return EventConsumer.builder(dataSource, kafka.bootstrapServers(), group)
                .topics(topic)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .pollTimeout(Duration.ofMillis(100))
                .meterRegistry(meters);
    }

    private EventConsumer started(EventConsumer.Builder builder) {
        EventConsumer consumer = builder.start();
        consumers.add(consumer);
        return consumer;
    }

    private static String payload(UUID orderId) {
        return "{\"orderId\":\"" + orderId + "\",\"quantity\":2}";
    }

    private double count(String name) {
        return meters.find(name).tag("group", group).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private long committed(Kafka kafka, int partition) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(topic, partition));
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static int effects(DSLContext dsl, UUID eventId) {
        return dsl.fetchOne("SELECT count(*) FROM effect WHERE event_id = ?::uuid", eventId).get(0, Integer.class);
    }

    @Test
    void sameEventDeliveredTwiceIsAppliedOnce(DataSource dataSource, DSLContext dsl, Kafka kafka) {
        UUID eventId = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        relay.send(topic, 0, eventId, "StockReserved", orderId.toString(), payload(orderId), Map.of());
        relay.send(topic, 0, eventId, "StockReserved", orderId.toString(), payload(orderId), Map.of());

        started(runner(dataSource, kafka).on("StockReserved", StockReserved.class, ConsumerIT::applyEffect));

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 2);
        assertThat(effects(dsl, eventId)).isEqualTo(1);
        assertThat(count("outbox.consumer.processed")).isEqualTo(1);
        assertThat(count("outbox.consumer.duplicates")).isEqualTo(1);
        assertThat(dsl.fetchOne("SELECT count(*) FROM processed_event WHERE consumer_group = ? AND event_id = ?::uuid",
                group, eventId).get(0, Integer.class)).isEqualTo(1);
        assertThat(meters.find("outbox.consumer.handler").tag("group", group).timer().count()).isEqualTo(1);
    }

    @Test
    void sameEventDeliveredConcurrentlyToTwoRunnersAfterARebalanceIsAppliedOnce(
            DataSource dataSource, DSLContext dsl, TestDatabase database, Kafka kafka) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        EventHandler<StockReserved> slow = (tx, event, context) -> {
            calls.incrementAndGet();
            applyEffect(tx, event, context);
            entered.countDown();
            // Holds the inbox row lock uncommitted until the other runner is seen waiting on it.
            assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
        };
        EventConsumer first = started(runner(dataSource, kafka).on("StockReserved", StockReserved.class, slow));
        await().atMost(Duration.ofSeconds(30)).until(() -> first.assignment().size() == 2);
        EventConsumer second = started(runner(dataSource, kafka).on("StockReserved", StockReserved.class, slow));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> first.assignment().size() == 1 && second.assignment().size() == 1);

        // A duplicate the relay may emit after a crash lands on both partitions: each runner gets one copy.
        UUID eventId = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        relay.send(topic, 0, eventId, "StockReserved", orderId.toString(), payload(orderId), Map.of());
        relay.send(topic, 1, eventId, "StockReserved", orderId.toString(), payload(orderId), Map.of());

        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() -> database.dsl().fetchOne("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                """).get(0, Integer.class) == 1);
        release.countDown();

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 1 && committed(kafka, 1) == 1);
        assertThat(effects(dsl, eventId)).isEqualTo(1);
        assertThat(calls.get()).isEqualTo(1);
        assertThat(count("outbox.consumer.duplicates")).isEqualTo(1);
    }

    @Test
    void handlerFailingTwiceWithRetriableErrorThenSucceedingAppliesOnceAndAdvancesOffsets(
            DataSource dataSource, DSLContext dsl, Kafka kafka) {
        AtomicInteger attempts = new AtomicInteger();
        EventHandler<StockReserved> flaky = (tx, event, context) -> {
            applyEffect(tx, event, context); // written, then rolled back by the failure
            if (attempts.incrementAndGet() <= 2) {
                throw new IllegalStateException("downstream busy, attempt " + attempts.get());
            }
        };
        UUID eventId = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        UUID nextId = UUID.randomUUID();
        relay.send(topic, 0, eventId, "StockReserved", orderId.toString(), payload(orderId), Map.of());
        relay.send(topic, 0, nextId, "StockReserved", orderId.toString(), payload(orderId), Map.of());

        // One record per transaction, so that each handler call is one of the record's attempts (in a batch, the
        // first failure rolls the batch back and costs a call, not an attempt: ConsumerBatchIT).
        started(runner(dataSource, kafka).maxAttempts(5).batchSize(1)
                .on("StockReserved", StockReserved.class, flaky));

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 2);
        assertThat(attempts.get()).isEqualTo(4); // 3 for the first record, 1 for the next
        assertThat(effects(dsl, eventId)).isEqualTo(1);
        assertThat(effects(dsl, nextId)).isEqualTo(1);
        assertThat(dsl.fetch("SELECT event_id FROM effect ORDER BY ctid").getValues(0, UUID.class))
                .containsExactly(eventId, nextId);
        assertThat(count("outbox.consumer.retries")).isEqualTo(2);
        assertThat(count("outbox.consumer.dead.lettered")).isZero();
    }

    @Test
    void aPartitionWaitingForARetryDoesNotHoldUpTheOtherPartitions(DataSource dataSource, DSLContext dsl, Kafka kafka) {
        UUID waiting = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        UUID waitingOrder = UUID.randomUUID();
        UUID otherOrder = UUID.randomUUID();
        AtomicBoolean otherDone = new AtomicBoolean();
        relay.send(topic, 0, waiting, "StockReserved", waitingOrder.toString(), payload(waitingOrder), Map.of());
        relay.send(topic, 1, other, "StockReserved", otherOrder.toString(), payload(otherOrder), Map.of());

        // Partition 0's record can only succeed after partition 1's was applied while 0 was waiting to retry.
        started(runner(dataSource, kafka).maxAttempts(50).on("StockReserved", StockReserved.class, (tx, event, ctx) -> {
            if (event.orderId().equals(waitingOrder) && !otherDone.get()) {
                throw new IllegalStateException("waits for the other partition");
            }
            applyEffect(tx, event, ctx);
            if (event.orderId().equals(otherOrder)) {
                otherDone.set(true);
            }
        }));

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 1 && committed(kafka, 1) == 1);
        assertThat(dsl.fetch("SELECT event_id FROM effect").getValues(0, UUID.class))
                .containsExactlyInAnyOrder(waiting, other);
        assertThat(count("outbox.consumer.dead.lettered")).isZero();
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicWithHeadersAndTheNextRecordIsProcessed(
            DataSource dataSource, DSLContext dsl, Kafka kafka) {
        UUID unknownType = UUID.randomUUID();
        UUID badJson = UUID.randomUUID();
        UUID refused = UUID.randomUUID();
        UUID exhausted = UUID.randomUUID();
        UUID good = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        UUID refusedOrder = UUID.randomUUID();
        UUID exhaustedOrder = UUID.randomUUID();
        String key = orderId.toString();
        relay.send(topic, 0, unknownType, "SomethingNobodyHandles", key, "{}", Map.of());
        relay.send(topic, 0, badJson, "StockReserved", key, "{not json", Map.of());
        relay.send(topic, 0, refused, "StockReserved", key, payload(refusedOrder), Map.of());
        relay.send(topic, 0, exhausted, "StockReserved", key, payload(exhaustedOrder), Map.of());
        relay.send(topic, 0, good, "StockReserved", key, payload(orderId), Map.of());
        AtomicInteger exhaustedAttempts = new AtomicInteger();

        started(runner(dataSource, kafka).maxAttempts(3).on("StockReserved", StockReserved.class, (tx, event, ctx) -> {
            if (event.orderId().equals(refusedOrder)) {
                throw new NonRetriableException("order " + event.orderId() + " does not exist");
            }
            if (event.orderId().equals(exhaustedOrder)) {
                exhaustedAttempts.incrementAndGet();
                throw new IllegalStateException("always failing");
            }
            applyEffect(tx, event, ctx);
        }));

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 5);
        assertThat(effects(dsl, good)).isEqualTo(1);
        assertThat(exhaustedAttempts.get()).isEqualTo(3);
        List<ConsumerRecord<byte[], byte[]>> dead = relay.readAll(topic + "-dlt", 4);
        assertThat(dead).hasSize(4);
        assertThat(dead).extracting(r -> RelayRecords.header(r, "id"))
                .containsExactly(unknownType.toString(), badJson.toString(), refused.toString(), exhausted.toString());
        for (int i = 0; i < dead.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = dead.get(i);
            assertThat(RelayRecords.header(record, DeadLetterHeaders.ORIGINAL_TOPIC)).isEqualTo(topic);
            assertThat(RelayRecords.header(record, DeadLetterHeaders.ORIGINAL_PARTITION)).isEqualTo("0");
            assertThat(RelayRecords.header(record, DeadLetterHeaders.ORIGINAL_OFFSET)).isEqualTo(Integer.toString(i));
            assertThat(RelayRecords.header(record, DeadLetterHeaders.CONSUMER_GROUP)).isEqualTo(group);
            assertThat(new String(record.key())).isEqualTo(key);
        }
        assertThat(RelayRecords.header(dead.get(0), DeadLetterHeaders.EXCEPTION_CLASS))
                .isEqualTo(NonRetriableException.class.getName());
        assertThat(RelayRecords.header(dead.get(0), DeadLetterHeaders.EXCEPTION_MESSAGE))
                .contains("SomethingNobodyHandles");
        assertThat(RelayRecords.header(dead.get(1), DeadLetterHeaders.EXCEPTION_MESSAGE)).contains("cannot read");
        assertThat(new String(dead.get(1).value())).isEqualTo("{not json");
        assertThat(RelayRecords.header(dead.get(2), DeadLetterHeaders.ATTEMPTS)).isEqualTo("1");
        assertThat(RelayRecords.header(dead.get(3), DeadLetterHeaders.EXCEPTION_CLASS))
                .isEqualTo(IllegalStateException.class.getName());
        assertThat(RelayRecords.header(dead.get(3), DeadLetterHeaders.EXCEPTION_MESSAGE)).isEqualTo("always failing");
        assertThat(RelayRecords.header(dead.get(3), DeadLetterHeaders.ATTEMPTS)).isEqualTo("3");
        assertThat(count("outbox.consumer.dead.lettered")).isEqualTo(4);
        // A dead-lettered record leaves no inbox row: replaying it from the DLT after a fix applies it.
        assertThat(dsl.fetchOne("SELECT count(*) FROM processed_event WHERE consumer_group = ?", group)
                .get(0, Integer.class)).isEqualTo(1);
    }

    @Test
    void crashAfterDatabaseCommitBeforeOffsetCommitRedeliversWithoutSecondEffect(
            DataSource dataSource, DSLContext dsl, Kafka kafka) throws Exception {
        UUID eventId = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        relay.send(topic, 0, eventId, "StockReserved", orderId.toString(), payload(orderId), Map.of());
        AtomicInteger calls = new AtomicInteger();
        EventHandler<StockReserved> handler = (tx, event, ctx) -> {
            calls.incrementAndGet();
            applyEffect(tx, event, ctx);
        };
        EventConsumer first = started(runner(dataSource, kafka).on("StockReserved", StockReserved.class, handler));
        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 1);
        first.close();

        // The state a crash between the database commit and the offset commit leaves behind: the effect and the
        // inbox row are committed, the group's offset is still before the record.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0)))
                    .all().get();
        }
        assertThat(committed(kafka, 0)).isZero();

        started(runner(dataSource, kafka).on("StockReserved", StockReserved.class, handler));

        await().atMost(Duration.ofSeconds(30)).until(() -> count("outbox.consumer.duplicates") == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 1);
        assertThat(calls.get()).isEqualTo(1);
        assertThat(effects(dsl, eventId)).isEqualTo(1);
    }

    @Test
    void sagaCorrelationAndCausationHeadersPropagateToEventsTheHandlerPublishes(
            DataSource dataSource, DSLContext dsl, Kafka kafka) throws Exception {
        Outbox outbox = Outbox.create();
        UUID sagaId = UUID.randomUUID();
        UUID eventId = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        List<ConsumedEvent> seen = new CopyOnWriteArrayList<>();
        List<String> traceIdsInHandler = new CopyOnWriteArrayList<>();
        relay.send(topic, 0, eventId, "StockReserved", orderId.toString(), payload(orderId), Map.of(
                OutboxHeaders.SAGA_ID, sagaId.toString(),
                OutboxHeaders.CORRELATION_ID, "corr-1",
                OutboxHeaders.TRACEPARENT, traceparent,
                OutboxHeaders.TRACESTATE, "vendor=abc"));

        started(runner(dataSource, kafka).on("StockReserved", StockReserved.class, (tx, event, ctx) -> {
            seen.add(ctx);
            traceIdsInHandler.add(Span.current().getSpanContext().getTraceId());
            outbox.publish(tx, new OrderConfirmed(event.orderId())); // no headers passed by the handler
        }));

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 1);
        JsonNode headers = OutboxConfig.defaultObjectMapper().readTree(
                dsl.fetchOne("SELECT headers::text FROM outbox WHERE type = 'OrderConfirmed'").get(0, String.class));
        assertThat(headers.get(OutboxHeaders.SAGA_ID).asText()).isEqualTo(sagaId.toString());
        assertThat(headers.get(OutboxHeaders.CORRELATION_ID).asText()).isEqualTo("corr-1");
        assertThat(headers.get(OutboxHeaders.CAUSATION_ID).asText()).isEqualTo(eventId.toString());
        assertThat(headers.get(OutboxHeaders.TRACEPARENT).asText()).isEqualTo(traceparent);
        assertThat(headers.get(OutboxHeaders.TRACESTATE).asText()).isEqualTo("vendor=abc");

        assertThat(traceIdsInHandler).containsExactly("0af7651916cd43dd8448eb211c80319c");
        assertThat(Span.current().getSpanContext().isValid()).isFalse(); // restored only around the handler

        ConsumedEvent context = seen.getFirst();
        assertThat(context.eventId()).isEqualTo(eventId);
        assertThat(context.type()).isEqualTo("StockReserved");
        assertThat(context.topic()).isEqualTo(topic);
        assertThat(context.partition()).isZero();
        assertThat(context.offset()).isZero();
        assertThat(context.key()).isEqualTo(orderId.toString());
        assertThat(context.sagaId()).contains(sagaId);

        // Outside a handler nothing is inherited.
        dsl.transaction(cfg -> outbox.publish(DSL.using(cfg), new OrderConfirmed(orderId)));
        JsonNode plain = OutboxConfig.defaultObjectMapper().readTree(dsl.fetchOne(
                "SELECT headers::text FROM outbox WHERE type = 'OrderConfirmed' ORDER BY id DESC LIMIT 1")
                .get(0, String.class));
        assertThat(plain.has(OutboxHeaders.SAGA_ID)).isFalse();
        assertThat(plain.has(OutboxHeaders.CAUSATION_ID)).isFalse();
    }

    @Test
    void ignoredTypesAreSkippedWithoutDeadLetter(DataSource dataSource, DSLContext dsl, Kafka kafka) {
        UUID ignored = UUID.randomUUID();
        UUID good = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        relay.send(topic, 0, ignored, "StockReleased", orderId.toString(), "{}", Map.of());
        relay.send(topic, 0, good, "StockReserved", orderId.toString(), payload(orderId), Map.of());

        started(runner(dataSource, kafka).ignore("StockReleased")
                .on("StockReserved", StockReserved.class, ConsumerIT::applyEffect));

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 2);
        assertThat(effects(dsl, good)).isEqualTo(1);
        assertThat(count("outbox.consumer.ignored")).isEqualTo(1);
        assertThat(count("outbox.consumer.dead.lettered")).isZero();
    }

    @Test
    void closeFinishesTheRecordInProgressAndCommitsIt(DataSource dataSource, DSLContext dsl, Kafka kafka)
            throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        UUID eventId = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        relay.send(topic, 0, eventId, "StockReserved", orderId.toString(), payload(orderId), Map.of());
        EventConsumer consumer = started(runner(dataSource, kafka).on("StockReserved", StockReserved.class,
                (tx, event, ctx) -> {
                    entered.countDown();
                    assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
                    applyEffect(tx, event, ctx);
                }));
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

        Thread closer = Thread.ofPlatform().start(consumer::close);
        await().atMost(Duration.ofSeconds(5)).until(() -> closer.getState() == Thread.State.TIMED_WAITING);
        release.countDown();
        closer.join(Duration.ofSeconds(30));

        assertThat(consumer.isRunning()).isFalse();
        assertThat(effects(dsl, eventId)).isEqualTo(1);
        assertThat(committed(kafka, 0)).isEqualTo(1);
    }

    @Test
    void unavailableDatabaseIsRetriedWithoutLimitAndNeverDeadLettered(Postgres postgres, TestDatabase database,
                                                                       Kafka kafka) {
        String name = "consumer_outage_" + UUID.randomUUID().toString().substring(0, 8);
        try (TestDatabase other = postgres.createDatabase(name)) {
            OutboxSchema.migrateLibrary(other.dataSource());
            other.execute("CREATE TABLE effect (event_id uuid NOT NULL, order_id uuid NOT NULL)");
            database.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS false");
            UUID eventId = UUID.randomUUID();
            UUID orderId = UUID.randomUUID();
            relay.send(topic, 0, eventId, "StockReserved", orderId.toString(), payload(orderId), Map.of());

            started(runner(other.dataSource(), kafka).maxAttempts(1)
                    .on("StockReserved", StockReserved.class, ConsumerIT::applyEffect));
            await().atMost(Duration.ofSeconds(30)).until(() -> count("outbox.consumer.retries") >= 3);
            database.execute("ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");

            await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka, 0) == 1);
            assertThat(effects(other.dsl(), eventId)).isEqualTo(1);
            assertThat(count("outbox.consumer.dead.lettered")).isZero();
        } finally {
            consumers.forEach(EventConsumer::close);
            consumers.clear();
        }
    }
}
