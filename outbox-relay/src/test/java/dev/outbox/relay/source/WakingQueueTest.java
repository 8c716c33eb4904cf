package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.connector.base.QueueProvider;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 (idle CPU): the relay's Debezium poll waits for the first event instead of spinning through Debezium's
 * poll interval, and wakes as soon as the streaming thread queues one.
 */
class WakingQueueTest {

    private static final long LONG_WAIT = Duration.ofSeconds(30).toNanos();

    private final WakingQueue<String> queue = new WakingQueue<>();

    @Test
    void aWaitingPollWakesAsSoonAsAnEventIsQueued() throws Exception {
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(this::awaitLong);
        queue.enqueue("event");

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(queue.size()).isEqualTo(1);
        assertThat(queue.poll()).isEqualTo("event");
        assertThat(queue.size()).isZero();
    }

    @Test
    void aPollDoesNotWaitWhileEventsAreQueued() throws Exception {
        queue.enqueue("event");
        long started = System.nanoTime();

        assertThat(queue.awaitItems(LONG_WAIT)).isTrue();
        assertThat(System.nanoTime() - started).isLessThan(Duration.ofSeconds(10).toNanos());
    }

    @Test
    void withNothingQueuedThePollWaitsItsTimeAndReportsNothing() throws Exception {
        long started = System.nanoTime();

        assertThat(queue.awaitItems(Duration.ofMillis(50).toNanos())).isFalse();
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
    }

    @Test
    void closingTheQueueReleasesAWaitingPoll() throws Exception {
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(this::awaitLong);
        queue.close();

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void theTaskFindsTheQueueByItsConnectorNameUntilItCloses() {
        queue.configure(Map.of("name", "outbox-relay-waking_test"));
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
    void theRelaysEngineRunsTheWakingTaskOnThisQueue() {
        Properties properties = DebeziumStream.engineProperties(
                DatabaseAddress.parse("jdbc:postgresql://localhost:5432/app"), "relay", "secret", "waking_slot",
                "outbox_pub", "public", "outbox", 0, Map.of());

        assertThat(properties.getProperty("connector.class")).isEqualTo(WakingPostgresConnector.class.getName());
        assertThat(new WakingPostgresConnector().taskClass()).isEqualTo(WakingPostgresTask.class);
        assertThat(properties.getProperty("queue.provider.type")).isEqualTo(WakingQueue.TYPE);
    }

    private boolean awaitLong() {
        try {
            return queue.awaitItems(LONG_WAIT);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
