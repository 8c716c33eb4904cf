package dev.outbox.relay.state;

import java.util.Optional;

/** Where a relay records that it has streamed, and from which source: one record per relay name. */
public interface SlotHistory {

    /** The newest record of this relay; empty when it has never streamed (under this name, on this store). */
    Optional<PositionRecord> read();

    /** Replaces the record of this relay. */
    void write(PositionRecord record);

    /** Where the records are kept, for messages (e.g. {@code Kafka topic outbox.relay.positions}). */
    String describe();
}
