package dev.outbox.relay.source;

/** How the relay reads the slot ({@code OUTBOX_SOURCE}). */
public enum SourceKind {
    /** Debezium Embedded (async engine) with its PostgreSQL connector and pgoutput: the default. */
    DEBEZIUM,
    /** pgoutput read directly through the PostgreSQL driver's replication API: fewer moving parts, less CPU. */
    PGOUTPUT
}
