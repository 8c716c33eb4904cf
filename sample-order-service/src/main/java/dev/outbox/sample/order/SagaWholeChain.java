package dev.outbox.sample.order;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outbox.saga.SagaQueries;
import dev.outbox.saga.SagaStep;
import dev.outbox.sample.support.Json;
import dev.outbox.sample.support.SagaTimeline.TimelineEvent;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Merges the order service's and the inventory's parts of one saga: one line per step of either service, one line
 * per event (published by one service, consumed by the other) with its whole path, and where the saga waits now.
 */
final class SagaWholeChain {

    /** A step of either service. */
    record StepLine(String service, String step, String status, int attempts, Instant deadlineAt, String lastError,
                    Instant updatedAt) {
    }

    /** Where an event went: who published it and when its row was written, its Kafka place, who processed it. */
    record EventPath(UUID eventId, String type, String publishedBy, String causationId, String replaySource,
                     String topic, Integer partition, Long offset, OffsetDateTime committedAt,
                     OffsetDateTime relayedAt, List<Processing> processedBy) {
    }

    /** A consumer's processing of an event (its transaction's time). */
    record Processing(String service, OffsetDateTime at) {
    }

    private SagaWholeChain() {
    }

    static List<StepLine> steps(List<SagaStep> orderSteps, JsonNode inventory) {
        List<StepLine> lines = new ArrayList<>();
        orderSteps.forEach(s -> lines.add(new StepLine("order", s.step(), s.status().name(), s.attempts(),
                s.deadlineAt(), s.lastError(), s.updatedAt())));
        for (JsonNode s : inventory.path("steps")) {
            lines.add(new StepLine("inventory", s.path("step").asText(), s.path("status").asText(),
                    s.path("attempts").asInt(), instant(s.path("deadlineAt")), text(s.path("lastError")),
                    instant(s.path("updatedAt"))));
        }
        return lines;
    }

    static List<EventPath> events(List<TimelineEvent> orderEvents, JsonNode inventory) {
        List<TimelineEvent> all = new ArrayList<>(orderEvents);
        for (JsonNode e : inventory.path("events")) {
            all.add(Json.EVENTS.convertValue(e, TimelineEvent.class));
        }
        Map<UUID, List<TimelineEvent>> byId = new LinkedHashMap<>();
        all.stream().sorted(Comparator.comparing(TimelineEvent::occurredAt, Comparator.nullsLast(Comparator.naturalOrder())))
                .forEach(e -> byId.computeIfAbsent(e.eventId(), id -> new ArrayList<>()).add(e));
        List<EventPath> paths = new ArrayList<>();
        byId.forEach((id, seen) -> paths.add(path(id, seen)));
        return paths;
    }

    private static EventPath path(UUID id, List<TimelineEvent> seen) {
        TimelineEvent published = seen.stream().filter(e -> "PUBLISHED".equals(e.direction())).findFirst().orElse(null);
        TimelineEvent any = published != null ? published : seen.getFirst();
        String topic = any.topic();
        Integer partition = null;
        Long offset = null;
        List<Processing> processed = new ArrayList<>();
        for (TimelineEvent e : seen) {
            if (e.partition() != null) {
                partition = e.partition();
                offset = e.offset();
                topic = e.topic();
            }
            if ("CONSUMED".equals(e.direction()) && !(published != null && e.service().equals(published.service()))) {
                processed.add(new Processing(e.service(), e.occurredAt()));
            }
        }
        return new EventPath(id, any.type(), published == null ? null : published.service(),
                published == null ? null : published.causationId(), published == null ? null : published.replaySource(),
                topic, partition, offset, published == null ? null : published.committedAt(),
                relayedAt(published, seen), processed);
    }

    /**
     * When the relay sent it: read back by the service that published it, or else taken from the record the other
     * service consumed (the same Kafka timestamp).
     */
    private static OffsetDateTime relayedAt(TimelineEvent published, List<TimelineEvent> seen) {
        if (published != null && published.relayedAt() != null) {
            return published.relayedAt();
        }
        return seen.stream().map(TimelineEvent::relayedAt).filter(Objects::nonNull).findFirst().orElse(null);
    }

    /** The first step that waits or needs an operator, said in one line; "nothing" once every step is done. */
    static String waitingOn(List<StepLine> steps, Instant now) {
        for (StepLine s : steps) {
            if ("FAILED".equals(s.status()) && s.lastError() != null && s.lastError().startsWith(SagaQueries.STUCK_MARK)) {
                return "an operator: " + s.service() + " step " + s.step() + " was given up on (" + s.lastError()
                        + "); retry or compensate it";
            }
        }
        for (StepLine s : steps) {
            if ("PENDING".equals(s.status()) || "COMPENSATING".equals(s.status())) {
                String overdue = s.deadlineAt() != null && s.deadlineAt().isBefore(now) ? ", overdue" : "";
                return s.service() + " step " + s.step() + " (" + s.status() + ", attempt " + s.attempts()
                        + (s.deadlineAt() == null ? "" : ", deadline " + s.deadlineAt()) + overdue + "): "
                        + expectation(s);
            }
        }
        return "nothing: every step is done";
    }

    private static String expectation(StepLine s) {
        return switch (s.service() + "/" + s.step() + "/" + s.status()) {
            case "order/reserve_stock/PENDING" -> "the inventory's answer to OrderPlaced";
            case "order/reserve_stock/COMPENSATING" -> "the inventory's StockReleased for OrderCancelled";
            case "order/confirm_stock/PENDING" -> "the inventory's StockCommitted for OrderConfirmed";
            case "inventory/reservation/PENDING" -> "the order's OrderConfirmed or OrderCancelled; the reservation "
                    + "is released at the deadline";
            default -> "its next event";
        };
    }

    private static Instant instant(JsonNode node) {
        return node.isTextual() ? OffsetDateTime.parse(node.asText()).toInstant() : null;
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }
}
