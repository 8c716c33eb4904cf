package dev.outbox.relay.state;

/**
 * Which source a relay streams from, as the server itself reports it ({@code IDENTIFY_SYSTEM} on the replication
 * connection): the cluster's system identifier (set by initdb, kept by physical replicas, new for any other cluster),
 * its current timeline (raised by every promotion and point-in-time restore), the database and the slot.
 */
public record SourceIdentity(String systemIdentifier, long timeline, String database, String slot) {

    /** Same cluster, database and slot: positions of one are positions of the other (timelines aside). */
    boolean sameSourceAs(SourceIdentity other) {
        return systemIdentifier.equals(other.systemIdentifier) && database.equals(other.database)
                && slot.equals(other.slot);
    }

    /** E.g. {@code database orders, slot order_relay, cluster 7321… timeline 1}. */
    String describe() {
        return "database " + database + ", slot " + slot + ", cluster " + systemIdentifier + " timeline " + timeline;
    }
}
