package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuredKafkaBrokerIT {

    private EmbeddedKafkaBroker broker;
    private SecuredListeners listeners;

    @BeforeAll
    void startBroker() {
        listeners = SecuredListeners.generate();
        broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults().withSecuredListeners(listeners));
    }

    @AfterAll
    void stopBroker() {
        broker.close();
        listeners.certificates().delete();
    }

    @ParameterizedTest
    @EnumSource(value = SecurityProtocol.class, names = {"SASL_SSL", "SASL_PLAINTEXT"})
    void theUserSendsOverTheSecuredListener(SecurityProtocol protocol) throws Exception {
        String topic = "secured-" + protocol.name.toLowerCase() + "-" + UUID.randomUUID();
        Map<String, Object> settings = new HashMap<>(listeners.clientSettings(protocol));
        settings.put("bootstrap.servers", broker.bootstrapServers(protocol));
        try (var producer = new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "k".getBytes(StandardCharsets.UTF_8),
                    "v".getBytes(StandardCharsets.UTF_8))).get(60, TimeUnit.SECONDS);
        }

        // Read back over the PLAINTEXT listener: the same broker, the same topic.
        assertThat(KafkaRoundTripIT.consumeAll(broker, topic, 1)).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(value = SecurityProtocol.class, names = {"SASL_SSL", "SASL_PLAINTEXT"})
    void aWrongPasswordIsRefused(SecurityProtocol protocol) {
        Map<String, String> settings = listeners.clientSettings(protocol, listeners.user(), "wrong");

        assertThatThrownBy(() -> describeCluster(broker.bootstrapServers(protocol), settings))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void aClientWithoutTheAuthorityDoesNotTrustTheBroker() {
        Map<String, String> settings = new HashMap<>(listeners.clientSettings(SecurityProtocol.SASL_SSL));
        settings.keySet().removeIf(key -> key.startsWith("ssl.truststore"));

        assertThatThrownBy(() -> describeCluster(broker.bootstrapServers(SecurityProtocol.SASL_SSL), settings))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(SslAuthenticationException.class);
    }

    private static void describeCluster(String bootstrapServers, Map<String, String> clientSettings)
            throws Exception {
        Map<String, Object> settings = new HashMap<>(clientSettings);
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        settings.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(20).toMillis());
        settings.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(20).toMillis());
        try (Admin admin = Admin.create(settings)) {
            admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
        }
    }
}
