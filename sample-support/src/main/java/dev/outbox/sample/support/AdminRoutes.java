package dev.outbox.sample.support;

import dev.outbox.saga.SagaQueries;
import dev.outbox.saga.SagaQueries.StepFilter;
import dev.outbox.saga.SagaStatus;
import dev.outbox.sample.support.DeadLetters.DeadLetter;
import dev.outbox.sample.support.HttpApi.Response;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jooq.DSLContext;

/**
 * The operator's endpoints both services share, all behind the admin token: stuck sagas and steps by filter, the
 * gauges (steps waiting per step, age of the oldest, dead letters per topic), dead letters with their reasons, and
 * their replay through the outbox.
 */
public final class AdminRoutes {

    /** Body of {@code POST /admin/dead-letters/replay}: which dead letter. */
    public record ReplayRequest(String topic, Integer partition, Long offset) {
    }

    private AdminRoutes() {
    }

    public static void register(HttpApi api, DSLContext dsl, DeadLetters deadLetters) {
        SagaQueries queries = SagaQueries.create();
        api.route("GET", "/admin/sagas", request -> {
            request.requireAdmin();
            return Response.ok(Map.of("steps", queries.steps(dsl, filter(request))));
        });
        api.route("GET", "/admin/gauges", request -> {
            request.requireAdmin();
            Map<String, Object> gauges = new LinkedHashMap<>();
            gauges.put("waitingSteps", queries.waiting(dsl));
            gauges.put("deadLetters", deadLetters.counts());
            return Response.ok(gauges);
        });
        api.route("GET", "/admin/dead-letters", request -> {
            request.requireAdmin();
            int limit = intParam(request.query("limit"), "limit", 50, 1, 500);
            return Response.ok(Map.of("topics", deadLetters.topics(), "deadLetters", deadLetters.list(limit)));
        });
        api.route("POST", "/admin/dead-letters/replay", request -> {
            request.requireAdmin();
            ReplayRequest body = request.body(ReplayRequest.class);
            if (body.topic() == null || body.partition() == null || body.offset() == null) {
                throw ApiException.badRequest("topic", "send {\"topic\", \"partition\", \"offset\"} of the dead letter");
            }
            DeadLetter letter = deadLetters.get(body.topic(), body.partition(), body.offset());
            if (letter == null) {
                throw ApiException.notFound("offset", "no dead letter at " + body.topic() + "/" + body.partition()
                        + "/" + body.offset() + " in this service's dead-letter topics " + deadLetters.topics());
            }
            return new Response(202, DeadLetterReplay.replay(dsl, letter));
        });
    }

    /** {@code stuck} (default true), {@code status}, {@code step}, {@code saga_type}, {@code older_than}, {@code limit}. */
    static StepFilter filter(HttpApi.Request request) {
        String status = request.query("status");
        SagaStatus parsedStatus = null;
        if (status != null && !status.isBlank()) {
            try {
                parsedStatus = SagaStatus.valueOf(status.trim().toUpperCase());
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("status", "status must be one of PENDING, SUCCEEDED, FAILED, "
                        + "COMPENSATING, COMPENSATED, TIMED_OUT");
            }
        }
        String olderThan = request.query("older_than");
        Duration age = null;
        if (olderThan != null && !olderThan.isBlank()) {
            try {
                age = Settings.duration(olderThan);
            } catch (RuntimeException e) {
                throw ApiException.badRequest("older_than", "older_than must be a duration such as 30s, 5m or 2h");
            }
        }
        String stuck = request.query("stuck");
        boolean stuckOnly = stuck == null ? parsedStatus == null : parseBool(stuck);
        return new StepFilter(parsedStatus, blankToNull(request.query("step")), blankToNull(request.query("saga_type")),
                age, stuckOnly, intParam(request.query("limit"), "limit", 100, 1, 1000));
    }

    private static boolean parseBool(String text) {
        try {
            return Settings.bool(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("stuck", "stuck must be true or false");
        }
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }

    static int intParam(String raw, String name, int fallback, int min, int max) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest(name, name + " must be a whole number from " + min + " to " + max);
    }
}
