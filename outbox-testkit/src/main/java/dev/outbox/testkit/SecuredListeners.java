package dev.outbox.testkit;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * Two more client listeners for an {@link EmbeddedKafkaBroker}, both requiring a SCRAM-SHA-512 login: SASL_SSL (TLS
 * with the server certificate of {@code certificates}) and SASL_PLAINTEXT. The broker creates the SCRAM user
 * {@code user} with {@code password} when it starts. The PLAINTEXT listener stays, for the broker itself and for
 * test clients.
 */
public record SecuredListeners(TestCertificates certificates, String user, String password) {

    public static final String MECHANISM = "SCRAM-SHA-512";
    static final String SASL_SSL = "SASL_SSL";
    static final String SASL_PLAINTEXT = "SASL_PLAINTEXT";

    /** Fresh certificates and a user {@code outbox-relay} with a random password. */
    public static SecuredListeners generate() {
        return new SecuredListeners(TestCertificates.generate(), "outbox-relay", "pw-" + UUID.randomUUID());
    }

    /** The broker settings that add both listeners on the given ports to {@code plain}, the broker's own settings. */
    Map<String, String> brokerSettings(Map<String, String> plain, int saslSslPort, int saslPlaintextPort) {
        Map<String, String> settings = new HashMap<>();
        String ssl = SASL_SSL + "://127.0.0.1:" + saslSslPort;
        String sasl = SASL_PLAINTEXT + "://127.0.0.1:" + saslPlaintextPort;
        settings.put("listeners", plain.get("listeners") + "," + ssl + "," + sasl);
        settings.put("advertised.listeners", plain.get("advertised.listeners") + "," + ssl + "," + sasl);
        settings.put("listener.security.protocol.map", plain.get("listener.security.protocol.map") + ","
                + SASL_SSL + ":" + SASL_SSL + "," + SASL_PLAINTEXT + ":" + SASL_PLAINTEXT);
        settings.put("sasl.enabled.mechanisms", MECHANISM);
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;";
        for (String listener : new String[] {"sasl_ssl", "sasl_plaintext"}) {
            settings.put("listener.name." + listener + ".sasl.enabled.mechanisms", MECHANISM);
            settings.put("listener.name." + listener + ".scram-sha-512.sasl.jaas.config", jaas);
        }
        settings.put("listener.name.sasl_ssl.ssl.keystore.location", certificates.serverKeystore().toString());
        settings.put("listener.name.sasl_ssl.ssl.keystore.type", "PKCS12");
        settings.put("listener.name.sasl_ssl.ssl.keystore.password", certificates.storePassword());
        settings.put("listener.name.sasl_ssl.ssl.key.password", certificates.storePassword());
        return settings;
    }

    /**
     * Client settings (without {@code bootstrap.servers}) that log in as {@code user} with {@code password} over
     * {@code protocol}; over SASL_SSL they trust this broker's certificate authority.
     */
    public Map<String, String> clientSettings(SecurityProtocol protocol, String user, String password) {
        Map<String, String> settings = new HashMap<>();
        settings.put("security.protocol", protocol.name);
        settings.put("sasl.mechanism", MECHANISM);
        settings.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + user + "\" password=\"" + password + "\";");
        if (protocol == SecurityProtocol.SASL_SSL) {
            settings.put("ssl.truststore.location", certificates.truststore().toString());
            settings.put("ssl.truststore.type", "PKCS12");
            settings.put("ssl.truststore.password", certificates.storePassword());
        }
        return settings;
    }

    /** {@link #clientSettings(SecurityProtocol, String, String)} as this listener's own user. */
    public Map<String, String> clientSettings(SecurityProtocol protocol) {
        return clientSettings(protocol, user, password);
    }

    /** Without the password. */
    @Override
    public String toString() {
        return "SecuredListeners[user=" + user + ", " + MECHANISM + "]";
    }
}
