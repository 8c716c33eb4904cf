package dev.outbox.bench;

/** What the driver runs. Relays are measured in every scenario; ceilings only in the drain. */
enum Contender {
    OUR_RELAY("our relay (defaults)", "our-relay", Role.RELAY, true),
    /** The same jar with {@code OUTBOX_DELIVERY=exactly-once}: Kafka transactions, the driver reads read_committed. */
    OUR_RELAY_EOS("our relay (exactly-once)", "our-relay-eos", Role.RELAY, true),
    /** The same jar with {@code OUTBOX_SOURCE=pgoutput}: the slot read through the driver instead of Debezium. */
    OUR_RELAY_PGOUTPUT("our relay (pgoutput source)", "our-relay-pgoutput", Role.RELAY, true),
    DEBEZIUM_DEFAULT("Debezium outbox (defaults)", "debezium-default", Role.RELAY, true),
    DEBEZIUM_TUNED("Debezium outbox (tuned)", "debezium-tuned", Role.RELAY, true),
    POLLING("polling relay (tuned)", "polling", Role.RELAY, false),
    RAW_PRODUCER("ceiling: raw producer", "raw-producer", Role.PRODUCER_CEILING, false),
    PGOUTPUT_DECODE("ceiling: pgoutput decode", "pgoutput-decode", Role.DECODE_CEILING, true),
    INSERT_1ROW("ceiling: insert 1 row/tx (4 conns)", "insert-1row", Role.INSERT_CEILING, false),
    INSERT_MULTIROW("ceiling: insert 500 rows/tx", "insert-multirow", Role.INSERT_CEILING, false);

    enum Role { RELAY, PRODUCER_CEILING, DECODE_CEILING, INSERT_CEILING }

    final String label;
    final String kind;
    final Role role;
    final boolean needsSlot;

    Contender(String label, String kind, Role role, boolean needsSlot) {
        this.label = label;
        this.kind = kind;
        this.role = role;
        this.needsSlot = needsSlot;
    }

    /** The backlog is committed before the contender starts (relays and the decode ceiling read it). */
    boolean needsBacklog() {
        return role == Role.RELAY || role == Role.DECODE_CEILING;
    }

    /** Runs the shipped relay jar (in any delivery mode or source). */
    boolean ourRelay() {
        return this == OUR_RELAY || this == OUR_RELAY_EOS || this == OUR_RELAY_PGOUTPUT;
    }

    /** The driver's consumer decides when it is done (else the child prints its own RESULT). */
    boolean consumerTimed() {
        return role == Role.RELAY || role == Role.PRODUCER_CEILING;
    }
}
