package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kustomize base in {@code deploy/kubernetes/base}: every manifest parses and runs the relay as documented. */
class KubernetesManifestsTest {

    private static final Path BASE = Path.of("..", "deploy", "kubernetes", "base");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static List<JsonNode> resources;
    private static JsonNode deployment;
    private static JsonNode pod;

    @BeforeAll
    static void parse() throws IOException {
        resources = new ArrayList<>();
        for (Path file : manifests()) {
            try (var documents = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
                documents.forEachRemaining(document -> {
                    if (!document.isNull() && !document.isEmpty()) {
                        resources.add(document);
                    }
                });
            }
        }
        deployment = only("Deployment");
        pod = deployment.at("/spec/template/spec");
    }

    @Test
    void kustomizationListsEveryManifestAndOnlyExistingOnes() throws IOException {
        JsonNode kustomization = only("Kustomization");
        Set<String> listed = new HashSet<>();
        kustomization.path("resources").forEach(resource -> listed.add(resource.asText()));

        Set<String> present = new HashSet<>();
        for (Path file : manifests()) {
            if (!file.getFileName().toString().equals("kustomization.yaml")) {
                present.add(file.getFileName().toString());
            }
        }
        assertThat(listed).isEqualTo(present);
    }

    @Test
    void twoRelaysOneStandingByRolledWithoutGoingBelowTwo() {
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(deployment.at("/spec/strategy/type").asText()).isEqualTo("RollingUpdate");
        assertThat(deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt()).isZero();
        assertThat(pod.path("enableServiceLinks").isBoolean()).isTrue();
        assertThat(pod.path("enableServiceLinks").asBoolean()).isFalse();
    }

    @Test
    void runsAsNonRootOnAReadOnlyRootFilesystemWithoutPrivileges() {
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isPositive();
        for (JsonNode container : containers()) {
            JsonNode security = container.path("securityContext");
            assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as(name(container)).isTrue();
            assertThat(security.path("allowPrivilegeEscalation").isBoolean()).as(name(container)).isTrue();
            assertThat(security.path("allowPrivilegeEscalation").asBoolean()).as(name(container)).isFalse();
            assertThat(security.path("privileged").asBoolean(false)).as(name(container)).isFalse();
            assertThat(texts(security.at("/capabilities/drop"))).as(name(container)).contains("ALL");
        }
    }

    @Test
    void probesUseTheRelaysHealthEndpointsOnADeclaredPort() {
        JsonNode relay = relayContainer();
        Set<String> ports = new HashSet<>();
        relay.path("ports").forEach(port -> ports.add(port.path("name").asText()));

        assertThat(relay.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        // A standby answers 503 on /health/ready as long as it stands by: as a readiness probe it would stall rollouts.
        assertThat(relay.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        assertThat(ports).contains(relay.at("/livenessProbe/httpGet/port").asText(),
                relay.at("/readinessProbe/httpGet/port").asText());
    }

    @Test
    void everyContainerHasRequestsAndAMemoryLimit() {
        for (JsonNode container : containers()) {
            JsonNode resources = container.path("resources");
            assertThat(resources.at("/requests/cpu").asText()).as(name(container)).isNotEmpty();
            assertThat(resources.at("/requests/memory").asText()).as(name(container)).isNotEmpty();
            assertThat(resources.at("/limits/memory").asText()).as(name(container)).isNotEmpty();
        }
    }

    @Test
    void credentialsComeFromASecretAndEveryOutboxVariableIsARelaySetting() {
        JsonNode relay = relayContainer();
        List<String> outboxNames = new ArrayList<>();
        for (JsonNode variable : relay.path("env")) {
            String name = variable.path("name").asText();
            if (name.startsWith(RelayConfig.PREFIX)) {
                outboxNames.add(name);
            }
            if (name.equals("OUTBOX_DB_PASSWORD") || name.equals("OUTBOX_DB_USER") || name.equals("OUTBOX_DB_URL")) {
                assertThat(variable.has("value")).as(name + " must not be written in the manifest").isFalse();
                assertThat(variable.at("/valueFrom/secretKeyRef/name").asText()).as(name).isNotEmpty();
            }
        }
        assertThat(relay.has("envFrom")).as("envFrom hides the names from this check").isFalse();
        assertThat(outboxNames).contains("OUTBOX_DB_URL", "OUTBOX_DB_USER", "OUTBOX_DB_PASSWORD",
                "OUTBOX_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(outboxNames).allSatisfy(name -> assertThat(RelayConfig.KNOWN.contains(name)
                || name.startsWith(RelayConfig.KAFKA_PREFIX) || name.startsWith(RelayConfig.DEBEZIUM_PREFIX))
                .as(name + " is a relay setting").isTrue());
    }

    @Test
    void serviceSelectsTheRelayPodAndTargetsItsHttpPort() {
        JsonNode service = only("Service");
        JsonNode labels = deployment.at("/spec/template/metadata/labels");
        service.path("spec").path("selector").properties().forEach(selector ->
                assertThat(labels.path(selector.getKey()).asText()).as(selector.getKey())
                        .isEqualTo(selector.getValue().asText()));
        assertThat(deployment.at("/spec/selector/matchLabels")).isEqualTo(service.at("/spec/selector"));
        Set<String> ports = new HashSet<>();
        relayContainer().path("ports").forEach(port -> ports.add(port.path("name").asText()));
        service.at("/spec/ports").forEach(port -> assertThat(ports).contains(port.path("targetPort").asText()));
    }

    private static List<Path> manifests() throws IOException {
        try (Stream<Path> files = Files.list(BASE)) {
            return files.filter(file -> file.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    private static JsonNode only(String kind) {
        List<JsonNode> ofKind = resources.stream().filter(r -> r.path("kind").asText().equals(kind)).toList();
        assertThat(ofKind).as("resources of kind " + kind).hasSize(1);
        return ofKind.getFirst();
    }

    private static List<JsonNode> containers() {
        List<JsonNode> containers = new ArrayList<>();
        pod.path("containers").forEach(containers::add);
        pod.path("initContainers").forEach(containers::add);
        assertThat(containers).isNotEmpty();
        return containers;
    }

    private static JsonNode relayContainer() {
        return containers().stream().filter(c -> c.path("image").asText().contains("outbox-relay")).findFirst()
                .orElseThrow(() -> new AssertionError("no container runs the outbox-relay image"));
    }

    private static String name(JsonNode container) {
        return "container " + container.path("name").asText();
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(item -> texts.add(item.asText()));
        return texts;
    }
}
