package dev.outbox.relay.route;

/**
 * One committed outbox row as read from the WAL, values in PostgreSQL's text format, with where it came from.
 *
 * @param payload     the jsonb payload as PostgreSQL prints it
 * @param headers     the jsonb headers object as PostgreSQL prints it
 * @param createdAt   the created_at column as PostgreSQL prints it ({@code 2026-11-23 21:40:01.123456+00})
 * @param commitLsn   LSN of the transaction's commit record
 * @param commitTimeMicros commit time, microseconds since 2000-01-01 (PostgreSQL's epoch)
 * @param xid         the transaction id
 */
public record OutboxRow(String id, String aggregateType, String aggregateId, String type, String payload,
        String headers, String createdAt, long commitLsn, long commitTimeMicros, int xid) {

    /** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
    public static final long POSTGRES_EPOCH_MICROS = 946_684_800_000_000L;

    /** Per row, beyond its texts: the record's object headers, fields and position. */
    private static final int FIXED_BYTES = 128;

    /**
     * About what the row weighs: its texts' lengths plus a fixed part. The relay bounds the rows it holds by this sum
     * ({@code OUTBOX_MAX_IN_FLIGHT_BYTES}); it is an estimate (a character is counted as one byte), not a measure.
     */
    public long estimatedBytes() {
        return FIXED_BYTES + length(id) + length(aggregateType) + length(aggregateId) + length(type) + length(payload)
                + length(headers) + length(createdAt);
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }

    public long commitTimeEpochMillis() {
        return (commitTimeMicros + POSTGRES_EPOCH_MICROS) / 1000;
    }

    /** The source position as PostgreSQL writes an LSN: {@code 16/B374D848}. */
    public String commitLsnText() {
        return Long.toHexString(commitLsn >>> 32).toUpperCase() + "/" + Long.toHexString(commitLsn & 0xFFFFFFFFL)
                .toUpperCase();
    }
}
