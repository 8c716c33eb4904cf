package dev.outbox.relay.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 16, item 2: an exactly-once position survives a failover when the new timeline branched off after it. */
class SlotGuardTimelineTest {

    private static final Instant NOW = Instant.parse("2026-12-03T13:00:00Z");
    private static final SourceIdentity OLD = new SourceIdentity("7300000000000000001", 1, "orders", "order_relay");
    private static final SourceIdentity PROMOTED = new SourceIdentity("7300000000000000001", 2, "orders",
            "order_relay");

    private static SlotGuard exactlyOnce() {
        return new SlotGuard(new SlotHistory() {
            @Override
            public Optional<PositionRecord> read() {
                throw new UnsupportedOperationException("decide() is given the record");
            }

            @Override
            public void write(PositionRecord record) {
                throw new UnsupportedOperationException("decide() writes nothing");
            }

            @Override
            public String describe() {
                return "Kafka topic positions";
            }
        }, SlotRecreate.NEVER, true, "public.outbox");
    }

    private static SlotGuard.Decision decide(long position, SlotGuard.TimelineHistory history) {
        return exactlyOnce().decide(Optional.of(new PositionRecord(OLD, position, NOW)), PROMOTED, true, null,
                moment -> "0 rows", NOW, history);
    }

    @Test
    void exactlyOncePositionAtOrBeforeTheSwitchPointIsKeptOnTheNewTimeline() {
        SlotGuard.Decision decision = decide(5000, timeline -> timeline == 1 ? 5000 : -1);

        assertThat(decision.refusal()).isNull();
        assertThat(decision.write()).isEqualTo(new PositionRecord(PROMOTED, 5000, NOW));
        assertThat(decision.info()).contains("timeline changed from 1 to 2", "at or before the switch point");
    }

    @Test
    void exactlyOncePositionPastTheSwitchPointOrOffTheHistoryIsRefused() {
        assertThat(decide(5001, timeline -> timeline == 1 ? 5000 : -1).refusal())
                .contains("committed on timeline 1", "would be skipped");
        assertThat(decide(5000, timeline -> -1).refusal()).contains("committed on timeline 1");
    }
}
