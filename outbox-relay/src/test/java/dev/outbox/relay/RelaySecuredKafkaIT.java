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
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The relay process against a broker whose client listeners require a SCRAM-SHA-512 login, over TLS (SASL_SSL) and
 * without (SASL_PLAINTEXT), configured only through {@code OUTBOX_KAFKA_*} settings: rows arrive in both delivery
 * modes; a refused login or an untrusted certificate keeps the relay not ready, retrying, with a line naming the
 * cause.
 */
@OutboxInfraTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelaySecuredKafkaIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private EmbeddedKafkaBroker broker;
    private SecuredListeners listeners;

    @BeforeAll
    void startSecuredBroker(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
        listeners = SecuredListeners.generate();
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults().withSecuredListeners(listeners));
    }

    @AfterAll
    void stopSecuredBroker() {
        broker.close();
        listeners.certificates().delete();
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"SASL_SSL, at-least-once", "SASL_SSL, exactly-once", "SASL_PLAINTEXT, at-least-once",
            "SASL_PLAINTEXT, exactly-once"})
    void committedRowsArriveOverASecuredListener(SecurityProtocol protocol, String delivery, TestDatabase database)
            throws Exception {
        String name = relayName("ok", protocol, delivery);
        Map<String, String> environment = environment(database, name, protocol, listeners.clientSettings(protocol));
        environment.put("OUTBOX_DELIVERY", delivery);
        String topic = name + ".Secured";
        try (RelayProcess relay = new RelayProcess(environment).start();
             var consumer = Outboxes.consumer(broker.bootstrapServers(), topic)) {
            await().atMost(Duration.ofSeconds(90)).until(() -> relay.output().contains("streaming public.outbox"));
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                ids.add(Outboxes.insertCommitted(database, "Secured", "a-" + (i % 3), "{\"i\": " + i + "}"));
            }

            var records = Outboxes.readAtLeast(consumer, ids.size(), Duration.ofSeconds(60));

            assertThat(records).extracting(record -> Outboxes.header(record, "id"))
                    .containsExactlyInAnyOrderElementsOf(ids);
            assertThat(relay.terminate()).as("exit code after SIGTERM").isZero();
            assertThat(relay.output()).doesNotContain(listeners.password());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"at-least-once", "exactly-once"})
    void aRefusedLoginKeepsTheRelayNotReadyAndRetrying(String delivery, TestDatabase database) throws Exception {
        SecurityProtocol protocol = SecurityProtocol.SASL_SSL;
        String name = relayName("badlogin", protocol, delivery);
        Map<String, String> environment = environment(database, name, protocol,
                listeners.clientSettings(protocol, listeners.user(), "not-the-password"));
        environment.put("OUTBOX_DELIVERY", delivery);

        assertNotReadyAndRetrying(environment, "Kafka at " + broker.bootstrapServers(protocol)
                + ": authentication failed", "invalid credentials");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"at-least-once"})
    void anUntrustedBrokerCertificateKeepsTheRelayNotReadyAndRetrying(String delivery, TestDatabase database)
            throws Exception {
        SecurityProtocol protocol = SecurityProtocol.SASL_SSL;
        String name = relayName("untrusted", protocol, delivery);
        Map<String, String> settings = new java.util.HashMap<>(listeners.clientSettings(protocol));
        settings.keySet().removeIf(key -> key.startsWith("ssl.truststore."));
        Map<String, String> environment = environment(database, name, protocol, settings);
        environment.put("OUTBOX_DELIVERY", delivery);

        assertNotReadyAndRetrying(environment, "Kafka at " + broker.bootstrapServers(protocol)
                + ": TLS handshake failed, the broker's certificate is not trusted", "certification path");
    }

    /**
     * The documented behaviour: within 10 s one line names the cause, the relay stays not ready and tries again
     * with backoff (one line per attempt: no other line carries the {@code cause}), and SIGTERM still ends it.
     */
    private static void assertNotReadyAndRetrying(Map<String, String> environment, String causeLine, String cause)
            throws Exception {
        int httpPort = Integer.parseInt(environment.get("OUTBOX_HTTP_PORT"));
        try (RelayProcess relay = new RelayProcess(environment).start()) {
            long started = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> relay.output().contains(causeLine));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> occurrences(relay.output(), causeLine) >= 3);
            assertThat(relay.isAlive()).as("still running, retrying").isTrue();
            assertThat(readiness(httpPort)).isEqualTo(503);
            assertThat(relay.output()).doesNotContain("streaming public.outbox");
            assertThat(relay.output().lines().filter(line -> line.contains(cause)))
                    .as("lines naming the cause").allMatch(line -> line.contains(causeLine));

            long stopping = System.nanoTime();
            assertThat(relay.terminate()).as("exit code after SIGTERM").isNotEqualTo(-1);
            assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isLessThan(Duration.ofSeconds(30));
        }
    }

    private Map<String, String> environment(TestDatabase database, String name, SecurityProtocol protocol,
            Map<String, String> clientSettings) {
        Map<String, String> environment = RelayProcess.environment(database, broker, name);
        environment.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers(protocol));
        environment.put("OUTBOX_TOPIC_TEMPLATE", name + ".${aggregatetype}");
        environment.put("OUTBOX_DLQ_TOPIC", name + ".dlq");
        environment.put("OUTBOX_POSITION_TOPIC", name + ".positions");
        environment.put("OUTBOX_HTTP_PORT", Integer.toString(FreePorts.pick()));
        clientSettings.forEach((key, value) ->
                environment.put("OUTBOX_KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_'), value));
        return environment;
    }

    private static String relayName(String test, SecurityProtocol protocol, String delivery) {
        return ("sec_" + test + "_" + protocol.name + "_" + delivery).toLowerCase(Locale.ROOT).replace('-', '_');
    }

    private static int readiness(int port) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static int occurrences(String text, String line) {
        return (int) Pattern.compile(Pattern.quote(line)).matcher(text).results().count();
    }
}
