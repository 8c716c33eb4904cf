package dev.outbox.relay.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {

    private static final Map<String, String> SECURED = Map.of(
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512",
            "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" "
                    + "password=\"p\";",
            "ssl.truststore.location", "/etc/kafka/truststore.p12",
            "ssl.truststore.password", "changeit",
            "acks", "all",
            "linger.ms", "5",
            "compression.type", "zstd");

    private final KafkaClients clients = new KafkaClients("broker:9093", SECURED);

    @Test
    void everyClientGetsTheSecuritySettings() {
        Map<String, String> security = Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", SECURED.get("sasl.jaas.config"),
                "ssl.truststore.location", "/etc/kafka/truststore.p12",
                "ssl.truststore.password", "changeit");
        assertThat(clients.producerSettings("p")).containsAllEntriesOf(security)
                .containsEntry("bootstrap.servers", "broker:9093");
        assertThat(clients.adminSettings("a")).containsAllEntriesOf(security)
                .containsEntry("bootstrap.servers", "broker:9093");
        assertThat(clients.consumerSettings("c")).containsAllEntriesOf(security)
                .containsEntry("bootstrap.servers", "broker:9093");
    }

    @Test
    void producerOnlyKeysAreNotHandedToTheAdminOrTheConsumer() {
        assertThat(clients.producerSettings("p")).containsEntry("linger.ms", "5").containsEntry("acks", "all")
                .containsEntry("compression.type", "zstd");
        assertThat(clients.adminSettings("a").keySet()).isSubsetOf(AdminClientConfig.configNames())
                .doesNotContain("linger.ms", "acks", "compression.type");
        assertThat(clients.consumerSettings("c").keySet()).isSubsetOf(ConsumerConfig.configNames())
                .doesNotContain("linger.ms", "acks", "compression.type");
    }

    @Test
    void adminAndConsumerCallsAreBounded() {
        assertThat(clients.adminSettings("a"))
                .containsEntry("request.timeout.ms", 10_000).containsEntry("default.api.timeout.ms", 10_000);
        assertThat(clients.consumerSettings("c"))
                .containsEntry("request.timeout.ms", 10_000).containsEntry("default.api.timeout.ms", 10_000)
                .containsEntry("isolation.level", "read_committed").containsEntry("enable.auto.commit", false);
    }

    @Test
    void theConsumersMetadataLookupCreatesNoTopic() {
        // The position topic is read before it is created (compacted) when missing: a lookup must not create it.
        assertThat(clients.consumerSettings("c")).containsEntry("allow.auto.create.topics", false);
    }

    @Test
    void aLongerRequestTimeoutRaisesTheCallTimeoutWithIt() {
        KafkaClients patient = new KafkaClients("broker:9093", Map.of("request.timeout.ms", "30000"));

        assertThat(patient.adminSettings("a"))
                .containsEntry("request.timeout.ms", 30_000).containsEntry("default.api.timeout.ms", 30_000);
        new AdminClientConfig(patient.adminSettings("a"));
    }
}
