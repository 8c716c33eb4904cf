package dev.outbox.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and the Containerfiles in {@code docker/} hold the deployment rules of issue 17: local-only
 * ports, no known secrets, Kafka data on its volume, TCP healthchecks, no superuser services, non-root images whose
 * JVM gets SIGTERM through an init, and every image replaceable.
 */
class ContainerDeploymentTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Map<String, String> CONTAINERFILES = Map.of(
            "docker/relay.Containerfile", "outbox-relay",
            "docker/order-service.Containerfile", "sample-order-service",
            "docker/inventory-service.Containerfile", "sample-inventory-service");

    private static String composeText;
    private static JsonNode services;

    @BeforeAll
    static void parse() throws IOException {
        composeText = Files.readString(ROOT.resolve("docker-compose.yml"), StandardCharsets.UTF_8);
        services = new ObjectMapper(new YAMLFactory()).readTree(composeText).get("services");
    }

    @Test
    void everyPublishedPortIsBoundToLocalhostByDefault() {
        int ports = 0;
        for (var service : services.properties()) {
            for (JsonNode port : service.getValue().path("ports")) {
                ports++;
                assertThat(port.asText()).as(service.getKey()).startsWith("${OUTBOX_BIND_ADDRESS:-127.0.0.1}:");
            }
        }
        assertThat(ports).isGreaterThanOrEqualTo(6);
    }

    @Test
    void passwordsAndAdminTokensHaveNoDefault() {
        assertThat(composeText).doesNotContainIgnoringCase("change-me");
        for (var service : services.properties()) {
            for (var variable : service.getValue().path("environment").properties()) {
                if (variable.getKey().matches(".*(PASSWORD|TOKEN)")) {
                    assertThat(variable.getValue().asText()).as(service.getKey() + " " + variable.getKey())
                            .matches("\\$\\{[A-Z_]+:\\?[^}]+}");
                }
            }
        }
    }

    @Test
    void servicesAndRelaysConnectWithTheirOwnRolesNotTheSuperuser() throws IOException {
        for (var service : services.properties()) {
            for (var variable : service.getValue().path("environment").properties()) {
                if (variable.getKey().endsWith("_DB_USER")) {
                    assertThat(variable.getValue().asText()).as(service.getKey()).isNotEqualTo("postgres");
                }
            }
        }
        String init = Files.readString(ROOT.resolve("docker/postgres-init.sh"), StandardCharsets.UTF_8);
        assertThat(init).doesNotContainIgnoringCase("DEFAULT PRIVILEGES").doesNotContainIgnoringCase("ALL TABLES");
        assertThat(init).contains("CREATE DATABASE orders OWNER order_service",
                "CREATE DATABASE inventory OWNER inventory_service");
    }

    @Test
    void kafkaWritesItsLogsOnItsVolume() {
        JsonNode kafka = services.get("kafka");
        String logDirs = kafka.at("/environment/KAFKA_LOG_DIRS").asText();
        assertThat(texts(kafka.path("volumes"))).contains("kafkadata:" + logDirs);
    }

    @Test
    void postgresIsHealthyOnlyWhenItAnswersOverTcp() {
        List<String> test = texts(services.at("/postgres/healthcheck/test"));
        assertThat(test).contains("pg_isready", "-h", "127.0.0.1");
    }

    @Test
    void everyImageIsAVariableWithAPublicDefault() {
        for (var service : services.properties()) {
            assertThat(service.getValue().path("image").asText()).as(service.getKey())
                    .matches("\\$\\{OUTBOX_[A-Z_]+_IMAGE:-[^}]+}");
        }
    }

    @Test
    void imagesRunTheJarAsANonRootUserBehindAnInitThatForwardsSigterm() throws IOException {
        for (var containerfile : CONTAINERFILES.entrySet()) {
            List<String> lines = Files.readAllLines(ROOT.resolve(containerfile.getKey()), StandardCharsets.UTF_8)
                    .stream().map(String::strip).filter(line -> !line.startsWith("#")).toList();
            String module = containerfile.getValue();
            assertThat(lines).as(containerfile.getKey()).contains("ARG BASE_IMAGE=eclipse-temurin:25-jre",
                    "FROM ${BASE_IMAGE}", "STOPSIGNAL SIGTERM", "USER 10001:10001",
                    "COPY " + module + "/target/" + module + ".jar /app/" + module + ".jar");
            assertThat(lines).as(containerfile.getKey()).anyMatch(line -> line.startsWith(
                    "ENTRYPOINT [\"/usr/bin/tini\", \"--\", \"java\"")
                    && line.endsWith("\"/app/" + module + ".jar\"]"));
            assertThat(Files.readString(ROOT.resolve(".containerignore"))).contains("!" + module + "/target/"
                    + module + ".jar");
        }
        for (var service : services.properties()) {
            JsonNode build = service.getValue().path("build");
            if (!build.isMissingNode()) {
                assertThat(CONTAINERFILES).containsKey(build.path("dockerfile").asText());
                assertThat(build.at("/args/BASE_IMAGE").asText())
                        .isEqualTo("${OUTBOX_JRE_IMAGE:-eclipse-temurin:25-jre}");
            }
        }
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }
}
