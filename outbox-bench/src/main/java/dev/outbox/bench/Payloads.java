package dev.outbox.bench;

/**
 * Event payloads of a fixed size. Every payload carries "s" (intended send time) and "t" (the database's
 * clock_timestamp() at insert), both epoch microseconds, so a consumer can compute latencies from the record
 * value whatever envelope a contender wraps it in.
 */
final class Payloads {
    private Payloads() {
    }

    /** Length of the padding so that PostgreSQL's jsonb text of the payload is about {@code size} bytes. */
    static int padFor(int size) {
        // {"s": 1700000000000000, "t": 1700000000000000, "pad": ""} is 57 bytes without the padding.
        return Math.max(0, size - 57);
    }

    /** SQL expression building the payload from two parameters: intended micros (bigint) and pad length (int). */
    static final String SQL_EXPRESSION = "jsonb_build_object('s', ?::bigint, 't', "
            + "(extract(epoch from clock_timestamp()) * 1000000)::bigint, 'pad', repeat('x', ?::int))";

    /** The same payload as PostgreSQL would print it, for contenders that do not go through the database. */
    static String json(long sendMicros, long dbMicros, int pad) {
        return "{\"s\": " + sendMicros + ", \"t\": " + dbMicros + ", \"pad\": \"" + "x".repeat(pad) + "\"}";
    }

    /**
     * Reads the number after key {@code key} ("s" or "t") in a record value, tolerating JSON that was escaped
     * into a string by a converter envelope. Returns -1 when absent.
     */
    static long field(byte[] value, char key) {
        int n = value.length;
        for (int i = 0; i + 2 < n; i++) {
            if (value[i] == '"' && value[i + 1] == key) {
                int j = i + 2;
                if (j < n && value[j] == '\\') {
                    j++;
                }
                if (j >= n || value[j] != '"') {
                    continue;
                }
                j++;
                while (j < n && (value[j] == ':' || value[j] == ' ')) {
                    j++;
                }
                long result = 0;
                int digits = 0;
                while (j < n && value[j] >= '0' && value[j] <= '9') {
                    result = result * 10 + (value[j] - '0');
                    j++;
                    digits++;
                }
                if (digits > 0) {
                    return result;
                }
            }
        }
        return -1;
    }
}
