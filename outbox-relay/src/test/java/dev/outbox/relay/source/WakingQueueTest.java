package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.connector.base.QueueProvider;
import io.debezium.pipeline.DataChangeEvent;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 21: the relay's Debezium poll waits, without spinning, until a whole transaction is queued (idle CPU), and
 * is let go as soon as the streaming thread queues the transaction's end (latency), not when Debezium's poll interval
 * runs out.
 */
class WakingQueueTest {

    private static final long LONG_WAIT = Duration.ofSeconds(30).toNanos();
    private static final Schema TRANSACTION = SchemaBuilder.struct().field("status", Schema.STRING_SCHEMA).build();
    private static final Schema ROW = SchemaBuilder.struct().field("id", Schema.STRING_SCHEMA).build();

    private final WakingQueue<DataChangeEvent> queue = new WakingQueue<>();

    @BeforeEach
    void configure() {
        queue.configure(Map.of("name", "outbox-relay-waking_test", "topic.prefix", "relay", "max.batch.size", "4"));
    }

    @Test
    void aWaitingPollIsLetGoWhenTheTransactionsEndIsQueued() throws Exception {
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(this::awaitLongBatch);
        queue.enqueue(transaction("BEGIN"));
        queue.enqueue(row("a"));
        // Nothing lets the poll go but the END: not the first event, not a row (the batch delay is 30 s here).
        staysWaiting(waiting, Duration.ofMillis(200));

        queue.enqueue(transaction("END"));

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(queue.size()).isEqualTo(3);
        assertThat(queue.poll().getRecord().topic()).isEqualTo("relay.transaction");
    }

    @Test
    void aPollDoesNotWaitWhileAWholeTransactionIsQueued() throws Exception {
        queue.enqueue(transaction("BEGIN"));
        queue.enqueue(row("a"));
        queue.enqueue(transaction("END"));
        queue.enqueue(transaction("BEGIN"));

        assertThat(awaitLongBatch()).isTrue();
    }

    @Test
    void theRelaysOwnPositionMessageEndsABatch() throws Exception {
        queue.enqueue(new DataChangeEvent(new SourceRecord(Map.of(), Map.of(), "relay.message", null, null)));

        assertThat(awaitLongBatch()).isTrue();
    }

    @Test
    void aFullBatchIsPolledBeforeItsTransactionEnds() throws Exception {
        queue.enqueue(transaction("BEGIN"));
        for (int i = 0; i < 3; i++) {
            queue.enqueue(row("r-" + i));
        }

        assertThat(awaitLongBatch()).isTrue();
    }

    @Test
    void aTransactionEndCountsOnlyUntilItIsPolled() throws Exception {
        queue.enqueue(transaction("BEGIN"));
        queue.enqueue(transaction("END"));
        queue.poll();
        queue.poll();
        queue.enqueue(transaction("BEGIN"));

        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(this::awaitLongBatch);
        staysWaiting(waiting, Duration.ofMillis(200));
        queue.enqueue(transaction("END"));
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void eventsThatEndNoTransactionArePolledAfterTheBatchDelay() throws Exception {
        queue.enqueue(new DataChangeEvent(new SourceRecord(Map.of(), Map.of(), "__debezium-heartbeat.relay", null,
                null)));
        long started = System.nanoTime();

        assertThat(queue.awaitBatch(LONG_WAIT, Duration.ofMillis(50).toNanos())).isTrue();
        assertThat(System.nanoTime() - started).isLessThan(Duration.ofSeconds(10).toNanos());
    }

    @Test
    void debeziumsPollAskingAnEmptyQueueAfterItsFirstMillisecondIsAnsweredWhenTheMillisecondTurns() {
        queue.debeziumPollBegins();
        long began = System.currentTimeMillis();
        Awaitility.await().pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(5))
                .until(() -> System.currentTimeMillis() > began);
        long asked = System.currentTimeMillis();

        assertThat(queue.size()).isZero();
        // Debezium's poll timer counts whole milliseconds of this clock: its spin would have lasted until now.
        assertThat(System.currentTimeMillis()).isGreaterThan(asked);
        queue.debeziumPollEnded();
    }

    @Test
    void withNothingQueuedThePollWaitsItsTimeAndReportsNothing() throws Exception {
        long started = System.nanoTime();

        assertThat(queue.awaitBatch(Duration.ofMillis(50).toNanos(), LONG_WAIT)).isFalse();
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
    }

    @Test
    void closingTheQueueReleasesAWaitingPoll() throws Exception {
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(this::awaitLongBatch);
        queue.close();

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void theTaskFindsTheQueueByItsConnectorNameUntilItCloses() {
        assertThat(WakingQueue.of("outbox-relay-waking_test")).isSameAs(queue);

        queue.close();
        assertThat(WakingQueue.of("outbox-relay-waking_test")).isNull();
    }

    @Test
    void debeziumFindsTheQueueByTheTypeTheEngineIsGiven() {
        assertThat(ServiceLoader.load(QueueProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(provider -> provider.name().equals(WakingQueue.TYPE)))
                .singleElement().isInstanceOf(WakingQueue.class);
    }

    @Test
    void theRelaysEngineRunsTheWakingTaskOnThisQueueWithDebeziumsShortestPollInterval() {
        Properties properties = DebeziumStream.engineProperties(
                DatabaseAddress.parse("jdbc:postgresql://localhost:5432/app"), "relay", "secret", "waking_slot",
                "outbox_pub", "public", "outbox", 0, Map.of());

        assertThat(properties.getProperty("connector.class")).isEqualTo(WakingPostgresConnector.class.getName());
        assertThat(new WakingPostgresConnector().taskClass()).isEqualTo(WakingPostgresTask.class);
        assertThat(properties.getProperty("queue.provider.type")).isEqualTo(WakingQueue.TYPE);
        // The task decides when a batch is whole; Debezium's poll should then return as soon as it may.
        assertThat(properties.getProperty("poll.interval.ms")).isEqualTo("1");
        // Transaction ends pass through the queue only with transaction metadata on.
        assertThat(properties.getProperty("provide.transaction.metadata")).isEqualTo("true");
    }

    private boolean awaitLongBatch() {
        try {
            return queue.awaitBatch(LONG_WAIT, LONG_WAIT);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void staysWaiting(CompletableFuture<Boolean> waiting, Duration time) {
        Awaitility.await().during(time).atMost(time.plusSeconds(5)).until(() -> !waiting.isDone());
    }

    private static DataChangeEvent transaction(String status) {
        return new DataChangeEvent(new SourceRecord(Map.of(), Map.of(), "relay.transaction", TRANSACTION,
                new Struct(TRANSACTION).put("status", status)));
    }

    private static DataChangeEvent row(String id) {
        return new DataChangeEvent(new SourceRecord(Map.of(), Map.of(), "relay.public.outbox", ROW,
                new Struct(ROW).put("id", id)));
    }
}
