package dev.outbox.relay;

import dev.outbox.relay.sink.CommitHook;
import dev.outbox.relay.sink.Delivery;
import dev.outbox.relay.sink.KafkaClients;
import dev.outbox.relay.sink.KafkaSink;
import dev.outbox.relay.sink.PositionTopic;

/** The delivery of the configured mode, its producer built by the relay's {@link KafkaClients}. */
final class Deliveries {

    private Deliveries() {
    }

    /**
     * What {@link Delivery#streamMayOpenBeforeStart()} of the configured delivery answers, before it is created: the
     * relay opens the stream while its start checks still run.
     */
    static boolean streamMayOpenBeforeStart(RelayConfig config) {
        return !config.exactlyOnce();
    }

    /** Exactly-once shares the relay's position topic, already read by the slot checks. */
    static Delivery create(RelayConfig config, KafkaClients clients, PositionTopic positions, RelayMetrics metrics,
            FaultInjection faults) {
        if (config.exactlyOnce()) {
            return Delivery.exactlyOnce(KafkaSink.createTransactional(clients, positions, config.relayName(),
                    config.dlqTopic(), metrics), config.batchMaxRecords(), config.maxInFlightBytes(), metrics,
                    faults == null ? CommitHook.NONE : faults);
        }
        return Delivery.atLeastOnce(KafkaSink.create(config.bootstrapServers(), "outbox-relay-" + config.relayName(),
                config.producerSettings(), config.dlqTopic(), metrics), config.batchMaxRecords(),
                config.maxInFlightBytes(), metrics);
    }
}
