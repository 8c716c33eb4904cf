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
 * An idle relay with the pgoutput source: its thread waits on the replication connection instead of waking every
 * 5 ms to read the slot, and a row written after the silence still arrives.
 */
@OutboxInfraTest
class RelayPgOutputIdleIT {

    private static final String NAME = "relay_pgoutput_idle_it";
    /**
     * 1.5 % of a CPU. Sleeping 5 ms at a time the relay thread used about 3 % (150 ms in five seconds) on a quiet
     * machine; waiting on the connection it wakes about ten times a second.
     */
    private static final long MOST_RELAY_CPU_NANOS_IN_FIVE_SECONDS = 75_000_000L;

    @Test
    void theRelayThreadWaitsOnTheConnectionWhileIdleAndWakesForTheNextRow(TestDatabase database, Kafka kafka)
            throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        RelayConfig config = RelayConfig.from(Map.of(
                "OUTBOX_DB_URL", database.jdbcUrl(),
                "OUTBOX_DB_USER", database.user(),
                "OUTBOX_DB_PASSWORD", database.password(),
                "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "OUTBOX_RELAY_NAME", NAME,
                "OUTBOX_SOURCE", "pgoutput",
                "OUTBOX_TOPIC_TEMPLATE", "relay-pgoutput-idle-it.${aggregatetype}",
                "OUTBOX_HTTP_PORT", "0"));
        Relay relay = new Relay(config);
        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), "relay-pgoutput-idle-it.idle")) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(relay::ready);
            Outboxes.insertCommitted(database, "idle", "a-1", "{}");
            assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(30))).hasSize(1);

            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long relayThread = relayThreadId();
            long before = threads.getThreadCpuTime(relayThread);
            // Idle for five seconds: the thread's CPU stays low throughout.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7))
                    .untilAsserted(() -> assertThat(threads.getThreadCpuTime(relayThread) - before)
                            .as("CPU ns of the relay thread while idle")
                            .isLessThan(MOST_RELAY_CPU_NANOS_IN_FIVE_SECONDS));

            Outboxes.insertCommitted(database, "idle", "a-2", "{}");
            assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(30)))
                    .extracting(Outboxes::key).containsExactly("a-2");
        } finally {
            relay.close();
        }
    }

    /** The thread that reads the slot and delivers: the relay's own, named after it. */
    private static long relayThreadId() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("outbox-relay-" + NAME))
                .mapToLong(Thread::threadId).findFirst().orElseThrow();
    }
}
