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
 * An idle relay: the threads that read the slot wait for the next message instead of waking every few milliseconds,
 * and a row written after the silence still arrives. With the Debezium source those are Debezium's streaming thread
 * (on the replication connection) and the relay's own (on the batches Debezium's engine hands it); with the pgoutput
 * source, the relay's own (on the replication connection).
 */
@OutboxInfraTest
class RelayIdleIT {

    /**
     * 2 % of a CPU. Sleeping 5 ms at a time Debezium's streaming thread used about 4 % here on a loaded machine,
     * waiting on the connection up to 100 ms about 1 %, up to 200 ms about 0.5 %.
     */
    private static final long MOST_DEBEZIUM_STREAMING_CPU_NANOS_IN_FIVE_SECONDS = 100_000_000L;
    /**
     * 0.5 % of a CPU. Sleeping 5 ms at a time the relay thread of the Debezium source used about 1 %, waking two
     * hundred times a second; waiting for the engine's next batch it wakes about ten times a second.
     */
    private static final long MOST_DEBEZIUM_RELAY_CPU_NANOS_IN_FIVE_SECONDS = 25_000_000L;
    /**
     * 1.5 % of a CPU. Sleeping 5 ms at a time the pgoutput relay thread used about 3 % (150 ms in five seconds) on a
     * quiet machine; waiting on the connection it wakes about ten times a second.
     */
    private static final long MOST_PGOUTPUT_RELAY_CPU_NANOS_IN_FIVE_SECONDS = 75_000_000L;

    /** A thread of the relay and the most CPU it may use in five idle seconds. */
    private record IdleBudget(String thread, Predicate<Thread> matches, long mostCpuNanos) {
    }

    @Test
    void theDebeziumSourcesThreadsWaitWhileIdleAndWakeForTheNextRow(TestDatabase database, Kafka kafka)
            throws Exception {
        String name = "relay_idle_it";
        idleThenNextRow(database, kafka, name, "debezium",
                new IdleBudget("Debezium's streaming thread", thread -> thread.getName().contains(name)
                        && thread.getName().endsWith("change-event-source-coordinator"),
                        MOST_DEBEZIUM_STREAMING_CPU_NANOS_IN_FIVE_SECONDS),
                relayThread(name, MOST_DEBEZIUM_RELAY_CPU_NANOS_IN_FIVE_SECONDS));
    }

    @Test
    void thePgOutputRelayThreadWaitsOnTheConnectionWhileIdleAndWakesForTheNextRow(TestDatabase database,
            Kafka kafka) throws Exception {
        String name = "relay_pgoutput_idle_it";
        idleThenNextRow(database, kafka, name, "pgoutput",
                relayThread(name, MOST_PGOUTPUT_RELAY_CPU_NANOS_IN_FIVE_SECONDS));
    }

    private static IdleBudget relayThread(String relayName, long mostCpuNanos) {
        return new IdleBudget("the relay thread", thread -> thread.getName().equals("outbox-relay-" + relayName),
                mostCpuNanos);
    }

    /**
     * Starts a relay, lets one row through, then checks that each thread of {@code budgets} stays within its CPU
     * budget over five idle seconds and that the next row arrives.
     */
    private static void idleThenNextRow(TestDatabase database, Kafka kafka, String name, String source,
            IdleBudget... budgets) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        Map<String, String> settings = Outboxes.relaySettings(database, kafka.bootstrapServers(), name);
        settings.put("OUTBOX_SOURCE", source);
        RelayConfig config = RelayConfig.from(settings);
        Relay relay = new Relay(config);
        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".idle")) {
            relay.start();
            await().atMost(Duration.ofSeconds(30)).until(relay::ready);
            Outboxes.insertCommitted(database, "idle", "a-1", "{}");
            assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(30))).hasSize(1);

            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long[] ids = new long[budgets.length];
            long[] before = new long[budgets.length];
            for (int i = 0; i < budgets.length; i++) {
                Predicate<Thread> matches = budgets[i].matches();
                ids[i] = await().atMost(Duration.ofSeconds(10)).until(() -> threadId(matches), id -> id > 0);
                before[i] = threads.getThreadCpuTime(ids[i]);
            }
            // Idle for five seconds: each thread's CPU stays low throughout.
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(7)).untilAsserted(() -> {
                for (int i = 0; i < budgets.length; i++) {
                    assertThat(threads.getThreadCpuTime(ids[i]) - before[i])
                            .as("CPU ns of %s (%s source) while idle", budgets[i].thread(), source)
                            .isLessThan(budgets[i].mostCpuNanos());
                }
            });
            for (int i = 0; i < budgets.length; i++) {
                System.out.printf("%s (%s source): %d ms of CPU in the idle seconds%n", budgets[i].thread(), source,
                        (threads.getThreadCpuTime(ids[i]) - before[i]) / 1_000_000);
            }

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
