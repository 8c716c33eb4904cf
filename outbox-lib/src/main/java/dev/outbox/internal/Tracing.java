package dev.outbox.internal;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * W3C trace context propagation when OpenTelemetry's API is on the classpath, nothing otherwise. The OpenTelemetry
 * classes are touched only through {@link OtelTracing}, which is loaded only when they are present. Internal.
 */
public final class Tracing {

    private static final boolean OTEL = present("io.opentelemetry.context.Context")
            && present("io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator");

    private Tracing() {
    }

    /** Whether OpenTelemetry was found. */
    public static boolean enabled() {
        return OTEL;
    }

    /** Adds traceparent/tracestate of the current context to {@code headers}, when there is one. */
    public static void capture(Map<String, String> headers) {
        if (OTEL) {
            OtelTracing.capture(headers);
        }
    }

    /** Runs {@code body} with the trace context found in {@code headers} current. */
    public static <T> T callWithin(Map<String, String> headers, Callable<T> body) throws Exception {
        return OTEL ? OtelTracing.callWithin(headers, body) : body.call();
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, Tracing.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
