package dev.outbox.relay;

import dev.outbox.relay.source.ChangeStream;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A change stream being opened on its own thread while the relay checks Kafka; used once, or closed unused. */
final class OpeningStream {

    private static final Logger log = LoggerFactory.getLogger(OpeningStream.class);

    /** Opens a stream (it may throw {@link SQLException}). */
    @FunctionalInterface
    interface Opener {
        ChangeStream open() throws SQLException;
    }

    private final CompletableFuture<ChangeStream> opening;

    private OpeningStream(CompletableFuture<ChangeStream> opening) {
        this.opening = opening;
    }

    static OpeningStream start(Opener opener, String threadName) {
        return new OpeningStream(CompletableFuture.supplyAsync(() -> {
            try {
                return opener.open();
            } catch (SQLException e) {
                throw new CompletionException(e);
            }
        }, runnable -> Thread.ofPlatform().name(threadName).start(runnable)));
    }

    /** Waits for the stream, throwing what opening it threw. */
    ChangeStream join() throws SQLException {
        try {
            return opening.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof SQLException sql) {
                throw sql;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    /** The relay ended before it used the stream: close it once open, or it would hold the slot. */
    void closeUnused() {
        opening.thenAccept(stream -> {
            try {
                stream.close();
            } catch (SQLException e) {
                log.warn("closing the unused stream failed: {}", e.getMessage());
            }
        });
    }
}
