package dev.outbox.relay.sink;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class KafkaAuthenticationLogFilterTest {

    private final LoggerContext context = new LoggerContext();
    private final KafkaAuthenticationLogFilter filter = new KafkaAuthenticationLogFilter();

    @Test
    void dropsTheKafkaClientsOwnReportsOfARefusedHandshake() {
        assertThat(filter.decide(null, context.getLogger("org.apache.kafka.clients.NetworkClient"), Level.ERROR,
                "[{}] Connection to node {} ({}) failed authentication due to: {}", new Object[] {"p", -1, "h", "x"},
                null)).isEqualTo(FilterReply.DENY);
        assertThat(filter.decide(null,
                context.getLogger("org.apache.kafka.clients.admin.internals.AdminMetadataManager"), Level.WARN,
                "[{}] Fatal error during metadata update", new Object[] {"a", new SaslAuthenticationException("no")},
                null)).isEqualTo(FilterReply.DENY);
    }

    @Test
    void keepsEverythingElse() {
        assertThat(filter.decide(null,
                context.getLogger("org.apache.kafka.clients.admin.internals.AdminMetadataManager"), Level.WARN,
                "[{}] Fatal error during metadata update", new Object[] {"a", new TimeoutException("slow")},
                null)).isEqualTo(FilterReply.NEUTRAL);
        assertThat(filter.decide(null, context.getLogger("dev.outbox.relay.Relay"), Level.WARN,
                "Kafka at {}: {}; not ready, retrying in {} ms", new Object[] {"b", "authentication failed", 500},
                null)).isEqualTo(FilterReply.NEUTRAL);
    }
}
