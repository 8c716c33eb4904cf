package dev.outbox.internal;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * The consumed event whose handler is running on this thread, so that events it publishes inherit saga and
 * correlation headers without the handler passing them. The consumer runner sets it around the handler call only;
 * callers of the library never touch it. Internal: not part of the API.
 */
public final class ConsumedScope {

    /** What a published event inherits from the consumed one. */
    public record Inherited(UUID eventId, Map<String, String> headers) {
    }

    private static final ThreadLocal<Inherited> CURRENT = new ThreadLocal<>();

    private ConsumedScope() {
    }

    public static Inherited current() {
        return CURRENT.get();
    }

    public static <T> T callWithin(Inherited inherited, Callable<T> body) throws Exception {
        Inherited previous = CURRENT.get();
        CURRENT.set(inherited);
        try {
            return Tracing.callWithin(inherited.headers(), body);
        } finally {
            if (previous == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(previous);
            }
        }
    }
}
