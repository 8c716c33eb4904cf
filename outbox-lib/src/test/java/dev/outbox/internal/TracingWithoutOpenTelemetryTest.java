package dev.outbox.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/** OpenTelemetry is an optional dependency: the library must load and run without it. */
class TracingWithoutOpenTelemetryTest {

    /** Hides OpenTelemetry and loads the library's own classes afresh, as on a classpath without it. */
    private static final class WithoutOpenTelemetry extends URLClassLoader {
        WithoutOpenTelemetry(URL libraryClasses) {
            super(new URL[] {libraryClasses}, TracingWithoutOpenTelemetryTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("io.opentelemetry.")) {
                throw new ClassNotFoundException(name);
            }
            if (name.startsWith("dev.outbox.internal.")) {
                synchronized (getClassLoadingLock(name)) {
                    Class<?> loaded = findLoadedClass(name);
                    return loaded != null ? loaded : findClass(name);
                }
            }
            return super.loadClass(name, resolve);
        }
    }

    @Test
    void withoutOpenTelemetryNothingIsCapturedAndHandlersStillRun() throws Exception {
        URL classes = Tracing.class.getProtectionDomain().getCodeSource().getLocation();
        try (WithoutOpenTelemetry loader = new WithoutOpenTelemetry(classes)) {
            Class<?> tracing = loader.loadClass(Tracing.class.getName());
            assertThat(tracing.getClassLoader()).isSameAs(loader);
            assertThat(tracing.getMethod("enabled").invoke(null)).isEqualTo(false);

            Map<String, String> headers = new HashMap<>();
            tracing.getMethod("capture", Map.class).invoke(null, headers);
            assertThat(headers).isEmpty();

            Callable<String> body = () -> "handled";
            Object result = tracing.getMethod("callWithin", Map.class, Callable.class)
                    .invoke(null, Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), body);
            assertThat(result).isEqualTo("handled");
        }
        assertThat(Tracing.enabled()).isTrue(); // the test classpath itself has it
    }
}
