package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An idle relay with the Debezium source: Debezium's streaming thread waits on the replication connection instead of
 * waking every {@code poll.interval.ms} (5 ms), and a row written after the silence still arrives.
 */
@OutboxInfraTest
class RelayDebeziumIdleIT {

    private static final String NAME = "relay_idle_it";
    /**
     * 2 % of a CPU. Sleeping 5 ms at a time the thread used about 4 % here on a loaded machine, waiting on the
     * connection about 1 %.
     */
    private static final long MOST_STREAMING_CPU_NANOS_IN_FIVE_SECONDS = 100_000_000L;

    @Test
    void debeziumsStreamingThreadSleepsOnTheConnectionWhileIdleAndWakesForTheNextRow(TestDatabase database,
            Kafka kafka) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        RelayConfig config = RelayConfig.from(Map.of(
                "OUTBOX_DB_URL", database.jdbcUrl(),
                "OUTBOX_DB_USER", database.user(),
                "OUTBOX_DB_PASSWORD", database.password(),
                "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "OUTBOX_RELAY_NAME", NAME,
                "OUTBOX_TOPIC_TEMPLATE", "relay-idle-it.${aggregatetype}",
                "OUTBOX_HTTP_PORT", "0"));
        Relay relay = new Relay(config);
        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), "relay-idle-it.idle")) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(relay::ready);
            Outboxes.insertCommitted(database, "idle", "a-1", "{}");
            assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(30))).hasSize(1);

            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long streaming = await().atMost(Duration.ofSeconds(10)).until(RelayDebeziumIdleIT::streamingThreadId,
                    id -> id > 0);
            long before = threads.getThreadCpuTime(streaming);
            // Idle for five seconds: the thread's CPU stays low throughout.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7))
                    .untilAsserted(() -> assertThat(threads.getThreadCpuTime(streaming) - before)
                            .as("CPU ns of Debezium's streaming thread while idle")
                            .isLessThan(MOST_STREAMING_CPU_NANOS_IN_FIVE_SECONDS));

            Outboxes.insertCommitted(database, "idle", "a-2", "{}");
            assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(30)))
                    .extracting(Outboxes::key).containsExactly("a-2");
        } finally {
            relay.close();
        }
    }

    /** Debezium's thread that reads the slot, or -1 while there is none. */
    private static long streamingThreadId() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().contains(NAME) && t.getName().endsWith("change-event-source-coordinator"))
                .mapToLong(Thread::threadId).findFirst().orElse(-1);
    }
}
