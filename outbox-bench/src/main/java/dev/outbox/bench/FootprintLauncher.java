package dev.outbox.bench;

import dev.outbox.testkit.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts one contender of {@link RelayFootprint} as its own process: the relay jar with {@code java -jar}, the
 * relay through its launcher script with the ahead-of-time cache, or the benchmark's stock Debezium pipeline.
 */
final class FootprintLauncher {

    private final Path java;
    private final Path relayJar;
    private final Path relayLauncher;
    private final Path aotCache;
    private final List<String> relayJvmOptions;
    private final String bootstrap;
    private final Path logs;

    FootprintLauncher(Path relayJar, Path relayLauncher, Path aotCache, List<String> relayJvmOptions,
            String bootstrap, Path logs) {
        this.java = Path.of(System.getProperty("java.home"), "bin", "java");
        this.relayJar = relayJar.toAbsolutePath();
        this.relayLauncher = relayLauncher.toAbsolutePath();
        this.aotCache = aotCache.toAbsolutePath();
        this.relayJvmOptions = relayJvmOptions;
        this.bootstrap = bootstrap;
        this.logs = logs;
    }

    /**
     * From a main's {@code --jar}, {@code --launcher} and {@code --aot-cache} options (defaults: the built relay jar,
     * {@code outbox-relay/bin/outbox-relay}, a cache beside the jar: tens of MB, kept out of the report's directory).
     */
    static FootprintLauncher fromOptions(Map<String, String> options, String relayJvm, String bootstrap, Path logs) {
        Path jar = Path.of(options.getOrDefault("jar", OurRelay.jar().toString())).toAbsolutePath();
        return new FootprintLauncher(jar, Path.of(options.getOrDefault("launcher", "outbox-relay/bin/outbox-relay")),
                Path.of(options.getOrDefault("aot-cache", jar.resolveSibling("outbox-relay-footprint.aot").toString())),
                List.of(relayJvm.trim().split("\\s+")), bootstrap, logs);
    }

    ChildProcess start(FootprintContender contender, String name, TestDatabase database) {
        return switch (contender) {
            case RELAY_DEBEZIUM, RELAY_PGOUTPUT -> {
                List<String> command = new ArrayList<>(List.of(java.toString(),
                        "--sun-misc-unsafe-memory-access=allow"));
                command.addAll(relayJvmOptions);
                command.addAll(List.of("-jar", relayJar.toString()));
                yield child(command, relayEnvironment(contender, name, database), name);
            }
            case RELAY_DEBEZIUM_AOT -> child(List.of(relayLauncher.toString()),
                    launcherEnvironment(name, database), name);
            case STOCK_TUNED -> child(stockCommand(name, database), Map.of(), name);
        };
    }

    /**
     * Trains the launcher's ahead-of-time cache unless one newer than the jar exists (a cache serves only the jar it
     * was trained with): the launcher's {@code --train} on a relay that drains 20,000 rows and then streams
     * {@code seconds} at 1,000 events/s, stopped with SIGTERM.
     */
    void trainCacheIfMissing(FootprintDatabases databases, int seconds) throws Exception {
        if (Files.isRegularFile(aotCache)
                && Files.getLastModifiedTime(aotCache).compareTo(Files.getLastModifiedTime(relayJar)) > 0) {
            System.out.printf("# AOT cache %s is newer than the jar: not trained again%n", aotCache);
            return;
        }
        Files.deleteIfExists(aotCache);
        Files.createDirectories(aotCache.getParent());
        String name = "fp_training";
        long started = System.nanoTime();
        try (TestDatabase database = databases.create(name)) {
            databases.insert(database, name, 20_000, 10);
            try (BenchConsumer consumer = databases.consumer(name);
                    ChildProcess training = child(List.of(relayLauncher.toString(), "--train"),
                            launcherEnvironment(name, database), name)) {
                RelayFootprint.awaitEvents(consumer, 20_000, System.nanoTime(), training);
                new SteadyWriter(database, name, 1_000, seconds).run();
                training.terminate(600);
            }
        }
        if (!Files.isRegularFile(aotCache)) {
            throw new IllegalStateException("training wrote no " + aotCache + "; see " + logs.resolve(name + ".log"));
        }
        System.out.printf("# AOT cache %s trained in %.0f s%n", aotCache, (System.nanoTime() - started) / 1e9);
    }

    private ChildProcess child(List<String> command, Map<String, String> environment, String name) {
        return new ChildProcess(command, environment, logs.resolve(name + ".log"), null, null);
    }

    private Map<String, String> relayEnvironment(FootprintContender contender, String name, TestDatabase database) {
        Contender settings = contender.pgoutputSource() ? Contender.OUR_RELAY_PGOUTPUT : Contender.OUR_RELAY;
        return OurRelay.environment(settings, name, database, bootstrap);
    }

    /** The launcher's own defaults (its JVM options included); only where the JDK, jar and cache are. */
    private Map<String, String> launcherEnvironment(String name, TestDatabase database) {
        Map<String, String> environment = new HashMap<>(relayEnvironment(FootprintContender.RELAY_DEBEZIUM, name,
                database));
        environment.put("JAVA", java.toString());
        environment.put("RELAY_JAR", relayJar.toString());
        environment.put("RELAY_AOT_CACHE", aotCache.toString());
        return environment;
    }

    /**
     * The benchmark's pgoutput decode ceiling on the phase's slot: a JVM that receives the decoded WAL and counts
     * {@code count} Insert messages, nothing else, then prints its RESULT line.
     */
    ChildProcess decodeCeiling(String name, TestDatabase database, long count) {
        return child(contenderMainCommand("pgoutput-decode", name, database, List.of("count=" + count)), Map.of(),
                name);
    }

    /** As {@code BenchMain} runs its Debezium contenders: the same JVM options and settings. */
    private List<String> stockCommand(String name, TestDatabase database) {
        return contenderMainCommand("debezium-tuned", name, database, List.of());
    }

    private List<String> contenderMainCommand(String kind, String name, TestDatabase database, List<String> extra) {
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx1g", "-Xms256m",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                ContenderMain.class.getName(), kind));
        Map<String, String> settings = Map.of("dbHost", database.host(), "dbPort", Integer.toString(database.port()),
                "dbName", database.name(), "dbUser", database.user(), "dbPassword", database.password(),
                "dbUrl", database.jdbcUrl(), "bootstrap", bootstrap, "slot", "bench_" + name);
        settings.forEach((key, value) -> command.add(key + "=" + value));
        command.addAll(extra);
        return command;
    }
}
