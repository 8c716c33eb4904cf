package dev.outbox.relay.sink;

import java.security.cert.CertificateException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;

/**
 * Turns a Kafka client's failure to reach the cluster into one sentence that names the cause and the setting to
 * check: a refused login, a TLS handshake the client or broker refused, or no answer at all.
 */
public final class KafkaFailureCause {

    private KafkaFailureCause() {
    }

    /** The cause of {@code failure} for a log line; never contains a setting's value. */
    public static String of(Throwable failure) {
        Throwable cause = unwrapped(failure);
        if (find(cause, SaslAuthenticationException.class) != null) {
            return "authentication failed (" + cause.getMessage() + "): check OUTBOX_KAFKA_SASL_MECHANISM and the "
                    + "user and password in OUTBOX_KAFKA_SASL_JAAS_CONFIG";
        }
        if (find(cause, SslAuthenticationException.class) != null || find(cause, SSLHandshakeException.class) != null) {
            Throwable certificate = find(cause, CertificateException.class);
            if (certificate != null) {
                return "TLS handshake failed, the broker's certificate is not trusted (" + innermost(certificate)
                        + "): set OUTBOX_KAFKA_SSL_TRUSTSTORE_LOCATION (with _TYPE and _PASSWORD) to a truststore "
                        + "holding the CA that signed it, and use a bootstrap address its certificate names";
            }
            return "TLS handshake failed (" + innermost(cause) + "): check OUTBOX_KAFKA_SECURITY_PROTOCOL and the "
                    + "OUTBOX_KAFKA_SSL_* settings";
        }
        if (cause instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "no answer (" + cause.getMessage() + "); a listener expecting another security protocol looks "
                    + "the same: check OUTBOX_KAFKA_SECURITY_PROTOCOL";
        }
        return "not reachable (" + cause + ")";
    }

    private static Throwable unwrapped(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof ExecutionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static Throwable find(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

    private static String innermost(Throwable failure) {
        Throwable t = failure;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
