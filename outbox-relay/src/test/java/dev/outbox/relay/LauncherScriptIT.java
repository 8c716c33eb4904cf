package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/outbox-relay}, run with a stand-in for {@code java} that prints the command line it was given: the
 * relay's default memory options, their override, and the ahead-of-time cache when one exists.
 */
class LauncherScriptIT {

    private static final Path LAUNCHER = Path.of("bin/outbox-relay").toAbsolutePath();

    @TempDir
    Path directory;

    @Test
    void runsTheJarWithASmallSerialCollectedHeapByDefault() throws Exception {
        String command = launch(Map.of());

        assertThat(command).isEqualTo("-XX:+UseSerialGC -Xmx128m -XX:MetaspaceSize=64m -XX:+ExitOnOutOfMemoryError -jar "
                + directory.resolve("outbox-relay.jar"));
    }

    @Test
    void relayMemoryOptsReplaceTheDefaultsAndJavaOptsFollowThem() throws Exception {
        assertThat(launch(Map.of("RELAY_MEMORY_OPTS", "-Xmx512m", "JAVA_OPTS", "-Dx=1")))
                .isEqualTo("-Xmx512m -Dx=1 -jar " + directory.resolve("outbox-relay.jar"));
        assertThat(launch(Map.of("RELAY_MEMORY_OPTS", ""))).isEqualTo("-jar " + directory.resolve("outbox-relay.jar"));
    }

    @Test
    void usesTheAheadOfTimeCacheBesideTheJarWhenThereIsOne() throws Exception {
        Files.writeString(directory.resolve("outbox-relay.aot"), "cache");

        assertThat(launch(Map.of())).startsWith("-XX:+IgnoreUnrecognizedVMOptions -XX:AOTCache="
                + directory.resolve("outbox-relay.aot") + " -XX:+UseSerialGC");
    }

    /** The arguments the launcher passes to {@code java}, as one line. */
    private String launch(Map<String, String> environment) throws IOException, InterruptedException {
        Path jar = directory.resolve("outbox-relay.jar");
        if (!Files.exists(jar)) {
            Files.writeString(jar, "not a jar: the stand-in java never opens it");
        }
        Path java = directory.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder builder = new ProcessBuilder(List.of("sh", LAUNCHER.toString())).redirectErrorStream(true);
        builder.environment().remove("JAVA_OPTS");
        builder.environment().remove("RELAY_MEMORY_OPTS");
        builder.environment().putAll(Map.of("JAVA", java.toString(), "RELAY_JAR", jar.toString()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
