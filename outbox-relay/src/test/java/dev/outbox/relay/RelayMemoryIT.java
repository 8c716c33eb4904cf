package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A backlog of large rows (200 of 900 KB, 180 MB) relays completely through a relay process with a 256 MB heap, in
 * both delivery modes: what the relay holds is bounded by bytes, not only by the 5,000 rows of its row bound.
 */
@OutboxInfraTest
class RelayMemoryIT {

    private static final int TRANSACTIONS = 20;
    private static final int ROWS_PER_TRANSACTION = 10;
    private static final int PAYLOAD_CHARS = 900_000;

    @ParameterizedTest
    @ValueSource(strings = {"at-least-once", "exactly-once"})
    void aBacklogOfLargeRowsRelaysCompletelyWithA256MbHeap(String delivery, TestDatabase database, Kafka kafka)
            throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        String name = "large_" + delivery.replace('-', '_');
        kafka.createTopic(name + ".large", 3);
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_DELIVERY", delivery);
        environment.put("OUTBOX_POSITION_TOPIC", name + ".positions");
        try (RelayProcess relay = new RelayProcess(environment, List.of("-Xmx256m")).start();
                var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".large")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> relay.output().contains("streaming public.outbox"));
            relay.killNine(); // the backlog is written while the relay is down, then read in one go
            for (int t = 0; t < TRANSACTIONS; t++) {
                database.execute("""
                        INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
                        SELECT gen_random_uuid(), 'large', 'a-' || (n %% 7), 'Large',
                               jsonb_build_object('s', repeat('x', %d))
                          FROM generate_series(1, %d) n""".formatted(PAYLOAD_CHARS, ROWS_PER_TRANSACTION));
            }
            try (RelayProcess restarted = new RelayProcess(environment, List.of("-Xmx256m")).start()) {
                Set<String> ids = new HashSet<>();
                int expected = TRANSACTIONS * ROWS_PER_TRANSACTION;
                await().atMost(Duration.ofSeconds(240)).untilAsserted(() -> {
                    assertThat(restarted.isAlive()).as("relay output:%n%s", restarted.output()).isTrue();
                    Outboxes.readAtLeast(consumer, 1, Duration.ofMillis(500))
                            .forEach(record -> ids.add(Outboxes.header(record, "id")));
                    assertThat(ids).hasSize(expected);
                });
                assertThat(restarted.output()).doesNotContain("OutOfMemoryError");
                assertThat(restarted.terminate()).isZero();
            }
        }
    }
}
