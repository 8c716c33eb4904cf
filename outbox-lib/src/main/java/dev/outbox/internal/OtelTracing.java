package dev.outbox.internal;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.Map;
import java.util.concurrent.Callable;

/** Loaded only when OpenTelemetry is on the classpath (see {@link Tracing}). */
final class OtelTracing {

    private static final TextMapGetter<Map<String, String>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private OtelTracing() {
    }

    static void capture(Map<String, String> headers) {
        // W3C format explicitly: the wire contract names traceparent/tracestate whatever the global propagators are.
        W3CTraceContextPropagator.getInstance().inject(Context.current(), headers, Map::put);
    }

    static <T> T callWithin(Map<String, String> headers, Callable<T> body) throws Exception {
        Context extracted = W3CTraceContextPropagator.getInstance().extract(Context.current(), headers, GETTER);
        try (Scope ignored = extracted.makeCurrent()) {
            return body.call();
        }
    }
}
