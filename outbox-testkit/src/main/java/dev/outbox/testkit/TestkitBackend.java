package dev.outbox.testkit;

import java.util.Locale;
import java.util.Map;
import org.testcontainers.DockerClientFactory;

/**
 * Where the test kit's shared servers run, chosen by {@value #VARIABLE}: {@code embedded} (the default: the
 * embedded PostgreSQL and the in-JVM broker, no container engine needed), {@code testcontainers} (containers on
 * the engine Testcontainers finds, e.g. through {@code DOCKER_HOST}), or {@code auto} (containers when an engine
 * answers, embedded otherwise). External servers named by their variables win over all three.
 */
enum TestkitBackend {
    EMBEDDED, TESTCONTAINERS;

    static final String VARIABLE = "OUTBOX_TESTKIT_BACKEND";

    static TestkitBackend from(Map<String, String> environment) {
        String value = environment.getOrDefault(VARIABLE, "embedded").trim().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "", "embedded" -> EMBEDDED;
            case "testcontainers" -> TESTCONTAINERS;
            case "auto" -> DockerClientFactory.instance().isDockerAvailable() ? TESTCONTAINERS : EMBEDDED;
            default -> throw new IllegalArgumentException(VARIABLE + " must be embedded, testcontainers or auto, was "
                    + environment.get(VARIABLE));
        };
    }
}
