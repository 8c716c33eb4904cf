package dev.outbox.relay.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The slot decisions without a database or a broker (the integration tests run them for real). */
class SlotGuardTest {

    private static final Instant NOW = Instant.parse("2026-12-03T13:00:00Z");
    private static final Instant SEEN = Instant.parse("2026-12-03T12:00:00Z");
    private static final SourceIdentity SOURCE = new SourceIdentity("7300000000000000001", 1, "orders", "order_relay");
    private static final SlotGuard.RowsAtRisk ROWS = moment -> "42 rows after " + moment;

    private static SlotGuard guard(SlotRecreate policy, boolean exactlyOnce) {
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
        }, policy, exactlyOnce, "public.outbox");
    }

    private static SlotGuard.Decision decide(SlotGuard guard, PositionRecord recorded, SourceIdentity current,
            boolean slotExists) {
        return guard.decide(Optional.ofNullable(recorded), current, slotExists, null, ROWS, NOW);
    }

    @Test
    void firstStartOfARelayNameCreatesTheSlotAndRecordsTheSource() {
        SlotGuard.Decision decision = decide(guard(SlotRecreate.NEVER, false), null, SOURCE, false);

        assertThat(decision.refusal()).isNull();
        assertThat(decision.createSlot()).isTrue();
        assertThat(decision.write()).isEqualTo(new PositionRecord(SOURCE, 0, NOW));
    }

    @Test
    void slotGoneAfterStreamingIsRefusedWithRowsAtRiskAndTheSetting() {
        SlotGuard.Decision decision = decide(guard(SlotRecreate.NEVER, false), new PositionRecord(SOURCE, 0, SEEN),
                SOURCE, false);

        assertThat(decision.createSlot()).isFalse();
        assertThat(decision.write()).isNull();
        assertThat(decision.refusal()).contains("replication slot order_relay is missing", "42 rows after " + SEEN,
                "OUTBOX_SLOT_RECREATE=accept-gap");
    }

    @Test
    void slotGoneWithoutAKnownTimeSaysRowsAtRiskAreUnknown() {
        SlotGuard.Decision decision = decide(guard(SlotRecreate.NEVER, true), new PositionRecord(null, 77, null),
                SOURCE, false);

        assertThat(decision.refusal()).contains("Rows at risk: unknown");
    }

    @Test
    void theLaterOfRecordedAndLastSeenTimeCountsTheRowsAtRisk() {
        Instant later = SEEN.plusSeconds(600);
        SlotGuard.Decision decision = guard(SlotRecreate.NEVER, false).decide(
                Optional.of(new PositionRecord(SOURCE, 0, SEEN)), SOURCE, false, later, ROWS, NOW);

        assertThat(decision.refusal()).contains("42 rows after " + later);
    }

    @Test
    void acceptGapRecreatesTheSlotAndWarnsNamingTheGap() {
        SlotGuard.Decision decision = decide(guard(SlotRecreate.ACCEPT_GAP, false), new PositionRecord(SOURCE, 0, SEEN),
                SOURCE, false);

        assertThat(decision.refusal()).isNull();
        assertThat(decision.createSlot()).isTrue();
        assertThat(decision.warning()).contains("accept-gap", "NOT relayed", "42 rows after " + SEEN);
    }

    @Test
    void anotherClusterIsRefusedEvenWithASlotOfTheSameName() {
        SourceIdentity replaced = new SourceIdentity("7399999999999999999", 1, "orders", "order_relay");
        SlotGuard.Decision decision = decide(guard(SlotRecreate.NEVER, false), new PositionRecord(SOURCE, 0, SEEN),
                replaced, true);

        assertThat(decision.refusal()).contains("another PostgreSQL cluster", "7300000000000000001",
                "7399999999999999999");
    }

    @Test
    void anotherDatabaseOfTheSameClusterIsRefused() {
        SourceIdentity other = new SourceIdentity(SOURCE.systemIdentifier(), 1, "inventory", "order_relay");
        SlotGuard.Decision decision = decide(guard(SlotRecreate.NEVER, false), new PositionRecord(SOURCE, 0, SEEN),
                other, false);

        assertThat(decision.refusal()).contains("another database of the same cluster");
    }

    @Test
    void oldFormatPositionIsUpgradedKeepingThePosition() {
        SlotGuard.Decision decision = decide(guard(SlotRecreate.NEVER, true), new PositionRecord(null, 99, null),
                SOURCE, true);

        assertThat(decision.refusal()).isNull();
        assertThat(decision.write()).isEqualTo(new PositionRecord(SOURCE, 99, NOW));
    }

    @Test
    void exactlyOncePositionOfAnotherTimelineIsRefused() {
        SourceIdentity promoted = new SourceIdentity(SOURCE.systemIdentifier(), 2, "orders", "order_relay");
        SlotGuard.Decision decision = decide(guard(SlotRecreate.NEVER, true), new PositionRecord(SOURCE, 5000, SEEN),
                promoted, true);

        assertThat(decision.refusal()).contains("committed on timeline 1", "timeline changed from 1 to 2");
    }

    @Test
    void atLeastOnceFollowsATimelineChangeWhenTheSlotIsThere() {
        SourceIdentity promoted = new SourceIdentity(SOURCE.systemIdentifier(), 2, "orders", "order_relay");
        SlotGuard.Decision decision = decide(guard(SlotRecreate.NEVER, false), new PositionRecord(SOURCE, 0, SEEN),
                promoted, true);

        assertThat(decision.refusal()).isNull();
        assertThat(decision.write()).isEqualTo(new PositionRecord(promoted, 0, NOW));
    }

    @Test
    void exactlyOnceOnTheSameSourceWritesNothingOutsideItsTransactions() {
        SlotGuard.Decision decision = decide(guard(SlotRecreate.NEVER, true), new PositionRecord(SOURCE, 5000, SEEN),
                SOURCE, true);

        assertThat(decision.refusal()).isNull();
        assertThat(decision.write()).isNull();
        assertThat(decision.createSlot()).isFalse();
    }

    /** A history in memory: the record list as Kafka would keep it. */
    private static final class Recorded implements SlotHistory {
        final List<PositionRecord> records = new ArrayList<>();

        @Override
        public synchronized Optional<PositionRecord> read() {
            return records.isEmpty() ? Optional.empty() : Optional.of(records.getLast());
        }

        @Override
        public synchronized void write(PositionRecord record) {
            records.add(record);
        }

        @Override
        public String describe() {
            return "memory";
        }
    }

    @Test
    void atLeastOnceRecordsWhenItLastSawTheSlotWhileStreaming() {
        Recorded history = new Recorded();
        SlotGuard guard = new SlotGuard(history, SlotRecreate.NEVER, false, "public.outbox", Duration.ZERO);
        guard.check(SOURCE, true, null, SEEN, ROWS, () -> { });

        Instant later = SEEN.plusSeconds(90);
        guard.slotSeen(later);

        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> history.read().orElseThrow().seenAt()
                .equals(later));
        assertThat(history.read()).contains(new PositionRecord(SOURCE, 0, later));
    }

    @Test
    void exactlyOnceLeavesSeenAtToItsTransactions() {
        Recorded history = new Recorded();
        history.write(new PositionRecord(SOURCE, 5000, SEEN));
        SlotGuard guard = new SlotGuard(history, SlotRecreate.NEVER, true, "public.outbox", Duration.ZERO);
        guard.check(SOURCE, true, null, SEEN, ROWS, () -> { });

        guard.slotSeen(SEEN.plusSeconds(90));

        assertThat(history.records).containsExactly(new PositionRecord(SOURCE, 5000, SEEN));
    }

    @Test
    void aRoutineStartDoesNotWaitForTheSeenAtWrite() throws Exception {
        Recorded history = new Recorded();
        history.write(new PositionRecord(SOURCE, 0, SEEN));
        CountDownLatch writeMayFinish = new CountDownLatch(1);
        SlotHistory slowWrites = new SlotHistory() {
            @Override
            public Optional<PositionRecord> read() {
                return history.read();
            }

            @Override
            public void write(PositionRecord record) {
                try {
                    writeMayFinish.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                history.write(record);
            }

            @Override
            public String describe() {
                return "slow";
            }
        };
        SlotGuard guard = new SlotGuard(slowWrites, SlotRecreate.NEVER, false, "public.outbox");

        guard.check(SOURCE, true, null, NOW, ROWS, () -> { });

        assertThat(history.records).as("not written yet, check() returned").hasSize(1);
        writeMayFinish.countDown();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> history.records.size() == 2);
        assertThat(history.read()).contains(new PositionRecord(SOURCE, 0, NOW));
    }

    @Test
    void aFirstStartWritesItsRecordBeforeTheCheckReturns() {
        Recorded history = new Recorded();
        SlotGuard guard = new SlotGuard(history, SlotRecreate.NEVER, false, "public.outbox");

        guard.check(SOURCE, false, null, NOW, ROWS, () -> { });

        assertThat(history.records).containsExactly(new PositionRecord(SOURCE, 0, NOW));
    }
}
