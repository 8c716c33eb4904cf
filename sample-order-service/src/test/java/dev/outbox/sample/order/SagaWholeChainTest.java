package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outbox.sample.support.Json;
import dev.outbox.sample.support.SagaTimeline.TimelineEvent;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SagaWholeChainTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private static SagaWholeChain.StepLine step(String service, String step, String status, Instant deadline,
                                                String error) {
        return new SagaWholeChain.StepLine(service, step, status, 1, deadline, error, NOW);
    }

    @Test
    void nothingToWaitForOnceEveryStepIsDone() {
        assertThat(SagaWholeChain.waitingOn(List.of(step("order", "reserve_stock", "SUCCEEDED", null, null),
                step("inventory", "reservation", "SUCCEEDED", null, null)), NOW)).startsWith("nothing");
    }

    @Test
    void aStepGivenUpOnNamesTheOperatorFirst() {
        String waiting = SagaWholeChain.waitingOn(List.of(
                step("order", "confirm_stock", "PENDING", NOW.plusSeconds(5), null),
                step("order", "reserve_stock", "FAILED", null, "stuck: compensation not acknowledged after 10 attempts")),
                NOW);
        assertThat(waiting).startsWith("an operator").contains("reserve_stock").contains("retry or compensate");
    }

    @Test
    void aWaitingStepSaysWhatItWaitsForAndWhetherItIsOverdue() {
        String waiting = SagaWholeChain.waitingOn(List.of(
                step("order", "confirm_stock", "PENDING", NOW.minusSeconds(1), null)), NOW);
        assertThat(waiting).contains("StockCommitted").contains("overdue");
        assertThat(SagaWholeChain.waitingOn(List.of(step("inventory", "reservation", "PENDING", NOW.plusSeconds(60),
                null)), NOW)).contains("released at the deadline").doesNotContain("overdue");
    }

    @Test
    void anOrdinaryFailureIsNotAStuckStep() {
        assertThat(SagaWholeChain.waitingOn(List.of(step("order", "reserve_stock", "FAILED", null, "out of stock")),
                NOW)).startsWith("nothing");
    }

    @Test
    void anInventoryEventShowsTheRelayTimeTheOrderServiceRecordedWhenItConsumedIt() {
        UUID id = UUID.randomUUID();
        OffsetDateTime committed = OffsetDateTime.parse("2026-01-01T12:00:00Z");
        OffsetDateTime relayed = committed.plusNanos(4_000_000);
        TimelineEvent consumedByOrder = new TimelineEvent("order", id, "CONSUMED", "StockReserved",
                "outbox.event.reservation", 1, 7L, null, null, null, relayed, relayed.plusNanos(2_000_000));
        TimelineEvent publishedByInventory = new TimelineEvent("inventory", id, "PUBLISHED", "StockReserved",
                "outbox.event.reservation", null, null, "cause-1", null, committed, null, committed);
        JsonNode inventoryView = Json.EVENTS.valueToTree(Map.of("events", List.of(publishedByInventory)));

        SagaWholeChain.EventPath path = SagaWholeChain.events(List.of(consumedByOrder), inventoryView).getFirst();

        assertThat(path.publishedBy()).isEqualTo("inventory");
        assertThat(path.relayedAt()).isEqualTo(relayed);
        assertThat(path.offset()).isEqualTo(7L);
    }
}
