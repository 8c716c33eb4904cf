package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedKafkaBroker;
import dev.outbox.testkit.FreePorts;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.SecuredListeners;
import dev.outbox.testkit.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15, a deployment problem is not a dead letter: against a broker as production ones are often set up (no topic
 * auto-creation, ACLs enforced, the relay logged in as a SCRAM principal with limited rights), a topic that does not
 * exist or that the relay may not write keeps the relay not ready with a line naming the topic and the fix, confirms
 * nothing past the waiting rows, and once the topic is created or the ACL granted delivers every row.
 */
@OutboxInfraTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayTopicDeploymentIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final SecurityProtocol PROTOCOL = SecurityProtocol.SASL_PLAINTEXT;
    private static final int ROWS = 10;
    private EmbeddedKafkaBroker broker;
    private SecuredListeners listeners;

    @BeforeAll
    void startProductionLikeBroker(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
        listeners = SecuredListeners.generate();
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults().withSecuredListeners(listeners)
                .withoutTopicAutoCreation().withAclAuthorizer());
    }

    @AfterAll
    void stopBroker() {
        broker.close();
        listeners.certificates().delete();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"at-least-once", "exactly-once"})
    void aMissingTopicKeepsTheRelayNotReadyUntilItIsCreatedThenEveryRowArrives(String delivery,
            TestDatabase database) throws Exception {
        String name = relayName("missing", delivery);
        String topic = name + ".Missing";
        grantTheRelayItsOwnResources(name);
        broker.allow(listeners.user(), ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.ALL);
        Map<String, String> environment = environment(database, name, delivery);

        assertWaitsThenDelivers(environment, database, name, "Missing", topic,
                "topic " + topic + " is not in Kafka's metadata", "kafka-topics.sh --create --topic " + topic,
                () -> broker.createTopic(topic, 1, Map.of()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"at-least-once", "exactly-once"})
    void aTopicTheRelayMayNotWriteKeepsItNotReadyUntilTheAclIsGrantedThenEveryRowArrives(String delivery,
            TestDatabase database) throws Exception {
        String name = relayName("acl", delivery);
        String topic = name + ".Refused";
        grantTheRelayItsOwnResources(name);
        broker.createTopic(topic, 1, Map.of());
        Map<String, String> environment = environment(database, name, delivery);

        assertWaitsThenDelivers(environment, database, name, "Refused", topic,
                "Kafka refuses this relay access to topic " + topic, "--operation Write --operation Describe --topic "
                        + topic,
                () -> broker.allow(listeners.user(), ResourceType.TOPIC, topic, PatternType.LITERAL,
                        AclOperation.WRITE, AclOperation.DESCRIBE));
    }

    private void assertWaitsThenDelivers(Map<String, String> environment, TestDatabase database, String name,
            String aggregateType, String topic, String problem, String fix, Runnable repair) throws Exception {
        int httpPort = Integer.parseInt(environment.get("OUTBOX_HTTP_PORT"));
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            await().atMost(Duration.ofSeconds(90)).until(() -> relay.output().contains("streaming public.outbox"));
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < ROWS; i++) {
                ids.add(Outboxes.insertCommitted(database, aggregateType, "a-" + (i % 3), "{\"i\": " + i + "}"));
            }
            long afterInserts = currentWalPosition(database);

            await().atMost(Duration.ofSeconds(30)).until(() -> relay.output().lines()
                    .anyMatch(line -> line.contains(problem) && line.contains(fix)));
            await().atMost(Duration.ofSeconds(10)).until(() -> readiness(httpPort) == 503);
            assertThat(relay.isAlive()).as("still running, waiting for the fix").isTrue();
            assertThat(Outboxes.slotConfirmed(database, name)).as("slot confirmed past the waiting rows")
                    .isLessThan(afterInserts);

            repair.run();

            try (var consumer = Outboxes.consumer(broker.bootstrapServers(), topic)) {
                var records = Outboxes.readAtLeast(consumer, ROWS, Duration.ofSeconds(60));
                records.addAll(Outboxes.drainQuiet(consumer));
                assertThat(records).extracting(record -> Outboxes.header(record, "id"))
                        .containsExactlyInAnyOrderElementsOf(ids);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> readiness(httpPort) == 200);
            assertThat(relay.terminate()).as("exit code after SIGTERM").isZero();
        }
    }

    /**
     * What the relay's principal needs besides its outbox topics: its dead-letter and position topics (read, write,
     * create), its transactional id, idempotent writes.
     */
    private void grantTheRelayItsOwnResources(String name) {
        broker.allow(listeners.user(), ResourceType.TOPIC, name + ".own.", PatternType.PREFIXED, AclOperation.ALL);
        broker.allow(listeners.user(), ResourceType.TRANSACTIONAL_ID, "outbox-relay-" + name, PatternType.LITERAL,
                AclOperation.ALL);
        broker.allow(listeners.user(), ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL,
                AclOperation.IDEMPOTENT_WRITE);
    }

    private Map<String, String> environment(TestDatabase database, String name, String delivery) {
        Map<String, String> environment = RelayProcess.environment(database, broker, name);
        environment.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(PROTOCOL));
        environment.put("OUTBOX_DELIVERY", delivery);
        environment.put("OUTBOX_DLQ_TOPIC", name + ".own.dlq");
        environment.put("OUTBOX_POSITION_TOPIC", name + ".own.positions");
        environment.put("OUTBOX_HTTP_PORT", Integer.toString(FreePorts.pick()));
        listeners.clientSettings(PROTOCOL).forEach((key, value) ->
                environment.put("OUTBOX_KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_'), value));
        return environment;
    }

    private static long currentWalPosition(TestDatabase database) {
        return ((Number) database.dsl().fetchValue("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"))
                .longValue();
    }

    private static String relayName(String test, String delivery) {
        return ("deploy_" + test + "_" + delivery).replace('-', '_');
    }

    private static int readiness(int port) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
