package dev.outbox.internal;

import java.security.SecureRandom;
import java.util.UUID;

/**
 * RFC 9562 version 7 UUIDs: 48 bits of Unix milliseconds, then a 12-bit counter that keeps ids made in the same
 * millisecond by this JVM strictly increasing, then 62 random bits. Time-ordered ids keep the outbox primary key
 * index append-mostly. Internal: not part of the API.
 */
public final class UuidV7 {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static long lastMillis;
    private static int counter;

    private UuidV7() {
    }

    public static UUID next() {
        long millis;
        int seq;
        synchronized (UuidV7.class) {
            long now = System.currentTimeMillis();
            if (now > lastMillis) {
                lastMillis = now;
                counter = RANDOM.nextInt(1 << 11); // random start leaves room to count up within the millisecond
            } else if (++counter > 0xFFF) {
                // Counter exhausted (or the clock went back): borrow the next millisecond rather than repeat.
                lastMillis++;
                counter = 0;
            }
            millis = lastMillis;
            seq = counter;
        }
        long msb = (millis << 16) | 0x7000L | seq;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
