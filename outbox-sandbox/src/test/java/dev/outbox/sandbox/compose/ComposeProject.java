package dev.outbox.sandbox.compose;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docker-compose.yml run as one compose project by the {@code docker-compose} command (against Docker, or podman's
 * Docker API named by {@code DOCKER_HOST}), with fresh random secrets in place of the {@code .env} file
 * {@code docker/new-env} writes. Image variables ({@code OUTBOX_POSTGRES_IMAGE} ...) pass through from the
 * environment, so CI's local stand-ins replace the public images.
 */
final class ComposeProject {

    private static final Pattern REQUIRED_VARIABLE = Pattern.compile("\\$\\{([A-Z_]+):\\?");

    private final Path root;
    private final String name;
    private final Map<String, String> secrets;

    private ComposeProject(Path root, String name, Map<String, String> secrets) {
        this.root = root;
        this.name = name;
        this.secrets = secrets;
    }

    /** A project over {@code root}/docker-compose.yml with a new random value for every required variable. */
    static ComposeProject withFreshSecrets(Path root, String name) throws IOException {
        Matcher required = REQUIRED_VARIABLE.matcher(Files.readString(root.resolve("docker-compose.yml")));
        Map<String, String> secrets = new HashMap<>();
        SecureRandom random = new SecureRandom();
        while (required.find()) {
            byte[] bytes = new byte[18];
            random.nextBytes(bytes);
            secrets.put(required.group(1), Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
        }
        return new ComposeProject(root, name, Map.copyOf(secrets));
    }

    String secret(String variable) {
        return secrets.get(variable);
    }

    /** Runs {@code docker-compose -p <name> <arguments>}; fails with its output unless it exits 0 in time. */
    String run(Duration timeout, String... arguments) throws IOException, InterruptedException {
        Result result = tryRun(timeout, arguments);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("docker-compose " + String.join(" ", arguments) + " exited "
                    + result.exitCode() + ":\n" + result.output());
        }
        return result.output();
    }

    Result tryRun(Duration timeout, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker-compose", "-p", name, "-f",
                root.resolve("docker-compose.yml").toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        builder.environment().putAll(secrets);
        Path output = Files.createTempFile("compose-", ".log");
        builder.redirectOutput(output.toFile());
        try {
            Process process = builder.start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                return new Result(-1, "timed out after " + timeout + ":\n" + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    record Result(int exitCode, String output) {
    }
}
