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
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * An idle relay: the thread that reads the slot waits on the replication connection instead of waking every few
 * milliseconds, and a row written after the silence still arrives. With the Debezium source that thread is
 * Debezium's streaming thread; with the pgoutput source, the relay's own.
 */
@OutboxInfraTest
class RelayIdleIT {

    /**
     * 2 % of a CPU. Sleeping 5 ms at a time Debezium's streaming thread used about 4 % here on a loaded machine,
     * waiting on the connection about 1 %.
     */
    private static final long MOST_DEBEZIUM_STREAMING_CPU_NANOS_IN_FIVE_SECONDS = 100_000_000L;
    /**
     * 1.5 % of a CPU. Sleeping 5 ms at a time the pgoutput relay thread used about 3 % (150 ms in five seconds) on a
     * quiet machine; waiting on the connection it wakes about ten times a second.
     */
    private static final long MOST_PGOUTPUT_RELAY_CPU_NANOS_IN_FIVE_SECONDS = 75_000_000L;

    @Test
    void debeziumsStreamingThreadSleepsOnTheConnectionWhileIdleAndWakesForTheNextRow(TestDatabase database,
            Kafka kafka) throws Exception {
        String name = "relay_idle_it";
        idleThenNextRow(database, kafka, name, "debezium", "relay-idle-it",
                thread -> thread.getName().contains(name)
                        && thread.getName().endsWith("change-event-source-coordinator"),
                MOST_DEBEZIUM_STREAMING_CPU_NANOS_IN_FIVE_SECONDS);
    }

    @Test
    void thePgOutputRelayThreadWaitsOnTheConnectionWhileIdleAndWakesForTheNextRow(TestDatabase database,
            Kafka kafka) throws Exception {
        String name = "relay_pgoutput_idle_it";
        idleThenNextRow(database, kafka, name, "pgoutput", "relay-pgoutput-idle-it",
                thread -> thread.getName().equals("outbox-relay-" + name),
                MOST_PGOUTPUT_RELAY_CPU_NANOS_IN_FIVE_SECONDS);
    }

    /**
     * Starts a relay, lets one row through, then checks that the thread {@code readsTheSlot} names uses less than
     * {@code mostCpuNanos} over five idle seconds and that the next row arrives.
     */
    private static void idleThenNextRow(TestDatabase database, Kafka kafka, String name, String source,
            String topicPrefix, Predicate<Thread> readsTheSlot, long mostCpuNanos) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        RelayConfig config = RelayConfig.from(Map.of(
                "OUTBOX_DB_URL", database.jdbcUrl(),
                "OUTBOX_DB_USER", database.user(),
                "OUTBOX_DB_PASSWORD", database.password(),
                "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "OUTBOX_RELAY_NAME", name,
                "OUTBOX_SOURCE", source,
                "OUTBOX_TOPIC_TEMPLATE", topicPrefix + ".${aggregatetype}",
                "OUTBOX_HTTP_PORT", "0"));
        Relay relay = new Relay(config);
        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), topicPrefix + ".idle")) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(relay::ready);
            Outboxes.insertCommitted(database, "idle", "a-1", "{}");
            assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(30))).hasSize(1);

            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long reader = await().atMost(Duration.ofSeconds(10)).until(() -> threadId(readsTheSlot), id -> id > 0);
            long before = threads.getThreadCpuTime(reader);
            // Idle for five seconds: the thread's CPU stays low throughout.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7))
                    .untilAsserted(() -> assertThat(threads.getThreadCpuTime(reader) - before)
                            .as("CPU ns of the thread that reads the slot (%s source) while idle", source)
                            .isLessThan(mostCpuNanos));

            Outboxes.insertCommitted(database, "idle", "a-2", "{}");
            assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(30)))
                    .extracting(Outboxes::key).containsExactly("a-2");
        } finally {
            relay.close();
        }
    }

    /** The first live thread {@code matches} accepts, or -1 while there is none. */
    private static long threadId(Predicate<Thread> matches) {
        return Thread.getAllStackTraces().keySet().stream().filter(matches)
                .mapToLong(Thread::threadId).findFirst().orElse(-1);
    }
}
