package dev.outbox.sample.support;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Starting a service's parts so that a failure releases what was already taken (pool, consumer, port). */
public final class ServiceStartup {

    /** Starts the parts; an {@link IOException} means the HTTP port could not be bound. */
    @FunctionalInterface
    public interface Parts {
        void start() throws IOException;
    }

    private ServiceStartup() {
    }

    /**
     * Runs {@code parts}; when it fails, runs {@code release} and rethrows (an unusable port as an
     * {@link UncheckedIOException} naming it), so that a service fails fast without leaking.
     */
    public static void startOrRelease(String name, int port, Parts parts, Runnable release) {
        try {
            parts.start();
        } catch (IOException e) {
            release.run();
            throw new UncheckedIOException(name + ": cannot listen on port " + port, e);
        } catch (RuntimeException e) {
            release.run();
            throw e;
        }
    }
}
