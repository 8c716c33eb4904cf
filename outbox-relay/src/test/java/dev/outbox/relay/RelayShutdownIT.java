package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** How the relay process ends: within OUTBOX_SHUTDOWN_TIMEOUT even while Kafka is down, non-zero on any error. */
@OutboxInfraTest
class RelayShutdownIT {

    @BeforeAll
    static void schema(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    @Test
    void sigtermDuringAKafkaOutageExitsWithinTheShutdownTimeoutAndTheRowsComeAfterRestart(TestDatabase database)
            throws Exception {
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start()) {
            int port = RelayEndpoints.freePort();
            RelayEndpoints endpoints = new RelayEndpoints(port);
            Map<String, String> environment = RelayProcess.environment(database, broker, "shutdown_outage");
            environment.put("OUTBOX_HTTP_PORT", Integer.toString(port));
            environment.put("OUTBOX_SHUTDOWN_TIMEOUT", "5s");
            List<String> ids = new ArrayList<>();
            try (RelayProcess relay = new RelayProcess(environment).start()) {
                await("relay ready").atMost(Duration.ofSeconds(90))
                        .until(() -> endpoints.status("/health/ready") == 200);
                for (int i = 0; i < 20; i++) {
                    ids.add(Outboxes.insertCommitted(database, "orders", "o-" + (i % 3), "{\"i\": " + i + "}"));
                }
                try (var consumer = Outboxes.consumer(broker.bootstrapServers(), "shutdown_outage.orders")) {
                    assertThat(Outboxes.readAtLeast(consumer, 20, Duration.ofSeconds(60))).hasSize(20);
                }

                // A frozen broker (SIGSTOP) keeps its connections open, so the producer keeps its metadata and takes
                // the rows, whose acknowledgements then never come: the stop that used to wait for them for ever.
                signal(broker.pid(), "STOP");
                for (int i = 20; i < 70; i++) {
                    ids.add(Outboxes.insertCommitted(database, "orders", "o-" + (i % 3), "{\"i\": " + i + "}"));
                }
                // Not ready: the rows read wait for acknowledgements that cannot come.
                await("relay not ready").atMost(Duration.ofSeconds(60))
                        .until(() -> endpoints.status("/health/ready") == 503);

                long stopping = System.nanoTime();
                int exit = relay.terminate();
                long seconds = (System.nanoTime() - stopping) / 1_000_000_000L;

                assertThat(exit).as("exit code; output:%n%s", relay.output()).isEqualTo(1);
                assertThat(seconds).as("seconds from SIGTERM to exit (timeout 5 s)").isLessThanOrEqualTo(10);
                assertThat(relay.output()).contains("did not finish within OUTBOX_SHUTDOWN_TIMEOUT (5000 ms)",
                        "the unconfirmed rows will be re-sent after restart");
            }

            signal(broker.pid(), "CONT");
            try (RelayProcess relay = new RelayProcess(environment).start();
                    var consumer = Outboxes.consumer(broker.bootstrapServers(), "shutdown_outage.orders")) {
                var records = new ArrayList<>(Outboxes.readAtLeast(consumer, ids.size(), Duration.ofSeconds(120)));
                records.addAll(Outboxes.drainQuiet(consumer));
                Set<String> received = new HashSet<>();
                records.forEach(record -> received.add(Outboxes.header(record, "id")));
                assertThat(received).as("every row, the unconfirmed ones re-sent").containsAll(ids);
                assertThat(relay.terminate()).isZero();
            }
        }
    }

    private static void signal(long pid, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
    }

    @Test
    void anErrorOnTheRelayThreadEndsTheProcessWithExitCodeOne(TestDatabase database, Kafka kafka) throws Exception {
        Map<String, String> environment = RelayProcess.environment(database, kafka, "error_on_thread");
        environment.put("OUTBOX_KAFKA_PARTITIONER_CLASS", ErrorThrowingPartitioner.class.getName());
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            await("relay streaming").atMost(Duration.ofSeconds(90))
                    .until(() -> relay.output().contains("streaming public.outbox"));
            Outboxes.insertCommitted(database, "orders", "o-1", "{}");

            assertThat(relay.awaitExit(60)).as("exit code; output:%n%s", relay.output()).isEqualTo(1);
            assertThat(relay.output()).contains(ErrorThrowingPartitioner.MESSAGE);
        } finally {
            database.execute("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                    + "WHERE slot_name = 'error_on_thread' AND NOT active");
        }
    }
}
