package dev.outbox.bench;

import dev.outbox.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where the shipped relay's runnable jar is expected, relative to the repository root (the working directory). */
final class OurRelay {
    private OurRelay() {
    }

    static Path jar() {
        return Path.of(System.getProperty("outbox.relay.jar", "outbox-relay/target/outbox-relay.jar"));
    }

    /**
     * The documented runtime contract (docs/design.md "Runtime contracts"), everything else at its default; the
     * exactly-once contender adds only {@code OUTBOX_DELIVERY=exactly-once}, the pgoutput one only
     * {@code OUTBOX_SOURCE=pgoutput}.
     */
    static Map<String, String> environment(Contender contender, String name, TestDatabase database,
            String bootstrap) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OUTBOX_DB_URL", database.jdbcUrl());
        env.put("OUTBOX_DB_USER", database.user());
        env.put("OUTBOX_DB_PASSWORD", database.password());
        env.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        env.put("OUTBOX_RELAY_NAME", "bench_" + name);
        env.put("OUTBOX_HTTP_PORT", "0");
        if (contender == Contender.OUR_RELAY_EOS) {
            // Positions go to the shared compacted outbox.relay.positions, keyed by the relay name (unique per
            // run); the driver's consumer reads only the run's own topic.
            env.put("OUTBOX_DELIVERY", "exactly-once");
        }
        if (contender == Contender.OUR_RELAY_PGOUTPUT) {
            env.put("OUTBOX_SOURCE", "pgoutput");
        }
        return env;
    }

    /** Which relay build was measured: the jar's time and the last commit touching outbox-relay. */
    static String describe(java.util.List<Contender> contenders) {
        if (contenders.stream().noneMatch(Contender::ourRelay)) {
            return "not measured in this run" + (available() ? "" : " (no " + jar() + ")");
        }
        String commit = "unknown";
        try {
            Process git = new ProcessBuilder("git", "log", "-1", "--format=%h %cI %s", "--", "outbox-relay")
                    .redirectErrorStream(true).start();
            commit = new String(git.getInputStream().readAllBytes()).trim();
            git.waitFor();
        } catch (java.io.IOException | InterruptedException e) {
            // Not a git checkout: the jar's time is all there is.
        }
        try {
            return jar() + " built " + Files.getLastModifiedTime(jar()) + "; last outbox-relay commit: " + commit;
        } catch (java.io.IOException e) {
            return jar() + "; last outbox-relay commit: " + commit;
        }
    }

    static boolean available() {
        return Files.isRegularFile(jar());
    }
}
