package dev.outbox.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one sandbox run reports ({@code outbox-sandbox.jar --summary-json FILE}, format 1; the sandbox's
 * {@code SummaryJson} writes it), and the knee rule of the saga scenario.
 */
record SagaSummary(int offeredRate, long ordersRequested, long ordersPlaced, long failedRequests, boolean durable,
        boolean disruption, Map<String, Long> sagasByState, long terminal, long timedOut, double p50Millis,
        double p99Millis, double maxMillis, double sagasPerSecond, double spanSeconds, boolean invariantsPass, List<String> violations,
        Map<String, String> postgresSettings, double commitsPerSaga, Optional<Warmup> warmup,
        Optional<Restart> restart) {

    /**
     * The sandbox's warm-up before the measured run ({@code --warmup-orders}), reported apart; commits per saga
     * are NaN when the sandbox did not report them.
     */
    record Warmup(long ordersPlaced, long timedOut, double p50Millis, double p99Millis, double sagasPerSecond,
            double commitsPerSaga) {
    }

    /** The sandbox's kill -9 and restart of the inventory service ({@code --kill-inventory-after}), if it ran. */
    record Restart(long afterOrders, long processStartToResumeMillis, long healthyToResumeMillis) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The knee rule's thresholds (issue 6): completed ≥ 90% of offered, p99 ≤ 250 ms. */
    static final double KNEE_COMPLETED_FRACTION = 0.9;
    static final double KNEE_P99_MILLIS = 250;
    /** The target: at least this many sagas/s with p99 ≤ {@link #KNEE_P99_MILLIS}. */
    static final double TARGET_SAGAS_PER_SECOND = 500;

    static SagaSummary parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("saga summary is not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("saga summary is not a JSON object");
        }
        int format = required(root, "format").asInt();
        if (format != 1) {
            throw new IllegalArgumentException("saga summary has format " + format + ", this bench reads format 1");
        }
        Map<String, Long> states = new LinkedHashMap<>();
        required(root, "sagasByState").properties().forEach(e -> states.put(e.getKey(), e.getValue().asLong()));
        Map<String, String> postgres = new LinkedHashMap<>();
        root.path("postgres").properties().forEach(e -> postgres.put(e.getKey(), e.getValue().asText()));
        List<String> violations = new ArrayList<>();
        JsonNode list = root.path("violations");
        list.forEach(v -> violations.add(v.asText()));
        String invariants = required(root, "invariants").asText();
        if (!invariants.equals("PASS") && !invariants.equals("FAIL")) {
            throw new IllegalArgumentException("saga summary: invariants must be PASS or FAIL, was " + invariants);
        }
        return new SagaSummary(required(root, "offeredRate").asInt(), required(root, "ordersRequested").asLong(),
                required(root, "ordersPlaced").asLong(), required(root, "failedRequests").asLong(),
                required(root, "durable").asBoolean(), required(root, "disruption").asBoolean(), states,
                required(root, "terminal").asLong(), required(root, "timedOut").asLong(),
                required(root, "p50Millis").asDouble(), required(root, "p99Millis").asDouble(),
                root.path("maxMillis").asDouble(Double.NaN), required(root, "sagasPerSecond").asDouble(), required(root, "spanSeconds").asDouble(),
                invariants.equals("PASS"), List.copyOf(violations), postgres,
                root.path("commitsPerSaga").asDouble(Double.NaN), warmup(root.path("warmup")),
                restart(root.path("restart")));
    }

    /** The warm-up's figures; empty when there was none (a null or missing field, as older sandboxes write). */
    private static Optional<Warmup> warmup(JsonNode node) {
        if (!node.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new Warmup(required(node, "ordersPlaced").asLong(), required(node, "timedOut").asLong(),
                required(node, "p50Millis").asDouble(), required(node, "p99Millis").asDouble(),
                required(node, "sagasPerSecond").asDouble(), node.path("commitsPerSaga").asDouble(Double.NaN)));
    }

    /** The restart's figures; empty when there was none (a null or missing field). */
    private static Optional<Restart> restart(JsonNode node) {
        if (!node.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new Restart(required(node, "afterOrders").asLong(),
                required(node, "processStartToResumeMillis").asLong(), required(node, "healthyToResumeMillis").asLong()));
    }

    /**
     * Durable as the server reported it: fsync, synchronous_commit and full_page_writes all "on" (a summary
     * without the settings, from an older sandbox, is judged by its {@code durable} flag alone).
     */
    boolean durableAsReported() {
        if (!durable) {
            return false;
        }
        return postgresSettings.isEmpty() || List.of("fsync", "synchronous_commit", "full_page_writes").stream()
                .allMatch(name -> "on".equals(postgresSettings.get(name)));
    }

    private static JsonNode required(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw new IllegalArgumentException("saga summary has no field '" + field + "'");
        }
        return node;
    }

    /** One offered rate's medians over its repetitions. */
    record RatePoint(int offeredRate, double sagasPerSecond, double p99Millis, boolean invariantsPass) {

        boolean meetsKneeRule() {
            return invariantsPass && sagasPerSecond >= KNEE_COMPLETED_FRACTION * offeredRate
                    && p99Millis <= KNEE_P99_MILLIS;
        }
    }

    /**
     * The knee: the highest offered rate at which completed sagas/s ≥ 90% of offered and p99 ≤ 250 ms (and every
     * repetition's invariants held); empty when no rate qualifies.
     */
    static Optional<RatePoint> knee(List<RatePoint> points) {
        return points.stream().filter(RatePoint::meetsKneeRule)
                .max(java.util.Comparator.comparingInt(RatePoint::offeredRate));
    }
}
