package dev.outbox.relay.state;

/** {@code OUTBOX_SLOT_RECREATE}: what the relay does when the slot it streamed from is gone. */
public enum SlotRecreate {
    /** Default: stop (exit 1) and say which rows are at risk. */
    NEVER,
    /** Create a new slot and stream from now on, logging the gap at WARN (rows committed meanwhile are skipped). */
    ACCEPT_GAP
}
