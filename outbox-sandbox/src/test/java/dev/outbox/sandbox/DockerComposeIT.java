package dev.outbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml cannot be run here (no Docker engine), so it is checked two ways: {@code docker-compose config}
 * validates it where that tool is installed (CI installs it), and every setting it gives a relay or a service must
 * be one that component documents in its README.
 */
class DockerComposeIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path COMPOSE_FILE = ROOT.resolve("docker-compose.yml");

    /** Which README documents the settings of a compose service, recognised by the image it runs. */
    private static final Map<String, Path> READMES = Map.of(
            "outbox-relay", ROOT.resolve("outbox-relay/README.md"),
            "sample-order-service", ROOT.resolve("sample-order-service/README.md"),
            "sample-inventory-service", ROOT.resolve("sample-inventory-service/README.md"));

    @Test
    void everySettingGivenToARelayOrServiceIsADocumentedOne() throws IOException {
        JsonNode services = new ObjectMapper(new YAMLFactory()).readTree(COMPOSE_FILE.toFile()).get("services");
        List<String> undocumented = new ArrayList<>();
        int checked = 0;
        for (var service : services.properties()) {
            String image = service.getValue().path("image").asText();
            Path readme = READMES.entrySet().stream().filter(e -> image.contains(e.getKey()))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
            if (readme == null) {
                continue;
            }
            String documentation = Files.readString(readme, StandardCharsets.UTF_8);
            for (var setting : service.getValue().path("environment").properties()) {
                checked++;
                if (!documentation.contains("`" + setting.getKey() + "`")) {
                    undocumented.add(service.getKey() + ": " + setting.getKey() + " (not in " + ROOT.relativize(readme)
                            + ")");
                }
            }
        }
        assertThat(checked).as("settings checked").isGreaterThan(20);
        assertThat(undocumented).as("settings in docker-compose.yml that no README documents").isEmpty();
    }

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        boolean installed = Files.isExecutable(Path.of("/usr/bin/docker-compose"));
        if (System.getenv("CI") != null) {
            assertThat(installed).as("CI installs docker-compose (.ci/run) to validate docker-compose.yml").isTrue();
        }
        assumeTrue(installed, "docker-compose is not installed; apt-get install docker-compose to run this check");
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/docker-compose", "-f", COMPOSE_FILE.toString(), "config",
                "-q").redirectErrorStream(true);
        // The secrets docker/new-env writes to .env have no defaults: give each a stand-in.
        Matcher required = Pattern.compile("\\$\\{([A-Z_]+):\\?").matcher(Files.readString(COMPOSE_FILE));
        while (required.find()) {
            builder.environment().put(required.group(1), "stand-in-secret-for-config");
        }
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("docker-compose config said:%n%s", output).isZero();
    }
}
