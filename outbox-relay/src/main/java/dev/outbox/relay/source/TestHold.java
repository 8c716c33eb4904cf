package dev.outbox.relay.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A test hook that holds the relay at a named point until a test has done something there (e.g. dropped the slot
 * between the checks and Debezium's start): with the JVM system property {@code outbox.relay.test.hold.<point>}
 * naming a file, the relay creates that file and waits (60 s at most) until the test deletes it. Not a setting:
 * never set it in production. Without the property it does nothing.
 */
final class TestHold {

    private static final Logger log = LoggerFactory.getLogger(TestHold.class);

    private TestHold() {
    }

    static void at(String point) {
        String file = System.getProperty("outbox.relay.test.hold." + point);
        if (file == null) {
            return;
        }
        Path marker = Path.of(file);
        try {
            Files.writeString(marker, point);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        log.warn("test hook: holding at {} until {} is deleted", point, marker);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Files.exists(marker) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
