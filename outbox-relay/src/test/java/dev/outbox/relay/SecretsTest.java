package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretsTest {

    @Test
    void urlPasswordsAndUserInfoAreMasked() {
        assertThat(Secrets.maskUrl("jdbc:postgresql://db:5432/orders?sslmode=require&password=pw-1&sslpassword=pw-2"))
                .isEqualTo("jdbc:postgresql://db:5432/orders?sslmode=require&password=****&sslpassword=****");
        assertThat(Secrets.maskUrl("postgresql://relay:pw-3@db:5432/orders"))
                .isEqualTo("postgresql://relay:****@db:5432/orders");
    }

    @Test
    void aDriverMessageQuotingTheUrlIsMasked() {
        String message = "cannot connect to PostgreSQL at OUTBOX_DB_URL jdbc:postgresql://127.0.0.1:1/x?password=pw-4:"
                + " Connection refused";

        assertThat(Secrets.mask(message)).doesNotContain("pw-4")
                // The value runs to the next space, ':' included: a password may contain one.
                .isEqualTo("cannot connect to PostgreSQL at OUTBOX_DB_URL jdbc:postgresql://127.0.0.1:1/x?password=****"
                        + " Connection refused");
    }

    @Test
    void registeredSecretValuesAreMaskedWhereverTheyAppear() {
        Secrets.registerFrom(Map.of(
                "OUTBOX_DB_PASSWORD", "canary-db-5b1c",
                "OUTBOX_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required "
                        + "username=\"relay\" password=\"canary-jaas-5b1c\";",
                "OUTBOX_KAFKA_SASL_OAUTHBEARER_CLIENT_CREDENTIALS_CLIENT_SECRET", "canary-oauth-5b1c",
                "OUTBOX_KAFKA_SSL_KEYSTORE_KEY", "canary-pem-5b1c",
                "OUTBOX_DB_URL", "jdbc:postgresql://db/x?sslpassword=canary-url-5b1c",
                "OUTBOX_RELAY_NAME", "orders"));

        String line = Secrets.mask("FATAL: bad canary-db-5b1c / canary-jaas-5b1c / canary-oauth-5b1c / canary-pem-5b1c"
                + " / canary-url-5b1c alone, relay orders");

        assertThat(line).doesNotContain("canary").contains("relay orders");
    }

    @Test
    void ordinaryTextIsLeftAlone() {
        String line = "PostgreSQL refused OUTBOX_DB_USER 'x': password authentication failed. Check OUTBOX_DB_USER "
                + "and OUTBOX_DB_PASSWORD (and pg_hba.conf)";

        assertThat(Secrets.mask(line)).isEqualTo(line);
    }
}
