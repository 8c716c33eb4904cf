package dev.outbox.relay.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.CertificateException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class KafkaFailureCauseTest {

    @Test
    void aRefusedLoginIsNamedAuthenticationFailed() {
        String cause = KafkaFailureCause.of(new ExecutionException(new SaslAuthenticationException(
                "Authentication failed during authentication due to invalid credentials with SASL mechanism "
                        + "SCRAM-SHA-512")));

        assertThat(cause).startsWith("authentication failed").contains("OUTBOX_KAFKA_SASL_JAAS_CONFIG");
    }

    @Test
    void anUntrustedCertificateIsNamedTlsHandshakeFailed() {
        SSLHandshakeException handshake = new SSLHandshakeException("PKIX path building failed");
        handshake.initCause(new CertificateException("unable to find valid certification path to requested target"));

        String cause = KafkaFailureCause.of(new ExecutionException(
                new SslAuthenticationException("SSL handshake failed", handshake)));

        assertThat(cause).startsWith("TLS handshake failed, the broker's certificate is not trusted")
                .contains("unable to find valid certification path").contains("OUTBOX_KAFKA_SSL_TRUSTSTORE_LOCATION");
    }

    @Test
    void noAnswerPointsAtTheSecurityProtocol() {
        assertThat(KafkaFailureCause.of(new TimeoutException("Timed out waiting for a node assignment.")))
                .startsWith("no answer").contains("OUTBOX_KAFKA_SECURITY_PROTOCOL");
    }
}
