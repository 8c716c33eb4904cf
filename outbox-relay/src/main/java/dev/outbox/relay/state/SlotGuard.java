package dev.outbox.relay.state;

import dev.outbox.relay.source.SourceCheckException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, before every stream (start and reconnect), whether the relay may use the slot it finds: a missing slot is
 * created only when this relay name has never streamed (no record in {@link SlotHistory}); afterwards a missing slot,
 * another cluster or database, or (exactly-once) a position from another timeline stops the relay with one line
 * naming what happened, the rows at risk and the recovery, unless {@code OUTBOX_SLOT_RECREATE=accept-gap}.
 */
public final class SlotGuard {

    private static final Logger log = LoggerFactory.getLogger(SlotGuard.class);
    /** At-least-once: how often a running relay refreshes {@code seen_at}, the start of the rows-at-risk count. */
    private static final Duration SEEN_REFRESH = Duration.ofSeconds(60);

    private final SlotHistory history;
    private final SlotRecreate policy;
    private final boolean exactlyOnce;
    private final String table;
    private final Duration seenRefresh;
    /** The source the last check let the relay stream from (null before). Guarded by this. */
    private SourceIdentity streaming;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile long lastRefreshNanos = System.nanoTime();

    public SlotGuard(SlotHistory history, SlotRecreate policy, boolean exactlyOnce, String table) {
        this(history, policy, exactlyOnce, table, SEEN_REFRESH);
    }

    SlotGuard(SlotHistory history, SlotRecreate policy, boolean exactlyOnce, String table, Duration seenRefresh) {
        this.seenRefresh = seenRefresh;
        this.history = history;
        this.policy = policy;
        this.exactlyOnce = exactlyOnce;
        this.table = table;
    }

    /** Counts the outbox rows created after a moment, as text for the operator ("unknown (…)" when it cannot). */
    @FunctionalInterface
    public interface RowsAtRisk {
        String since(Instant moment);
    }

    /**
     * Where a timeline of the current server's history ended (its switch point, an LSN), or -1 when that timeline
     * is not in its history. A position at or before it holds on the current timeline.
     */
    @FunctionalInterface
    public interface TimelineHistory {
        long switchPoint(long timeline);

        TimelineHistory NONE = timeline -> -1;
    }

    /** As the check below, without a timeline history (a changed timeline then stops exactly-once). */
    public void check(SourceIdentity current, boolean slotExists, Instant lastSeen, Instant now, RowsAtRisk rows,
            Runnable createSlot) {
        check(current, slotExists, lastSeen, now, rows, createSlot, TimelineHistory.NONE);
    }

    /** What to do with the slot; {@code refusal} non-null means stop. */
    record Decision(boolean createSlot, PositionRecord write, String info, String warning, String refusal) {

        static Decision stream(PositionRecord write, String info) {
            return new Decision(false, write, info, null, null);
        }

        static Decision refuse(String refusal) {
            return new Decision(false, null, null, null, refusal);
        }
    }

    /**
     * Reads this relay's record, decides, then creates the slot and writes the record as decided ({@code now} and
     * {@code lastSeen} are the database server's clock, as the outbox rows' {@code created_at}). Throws a permanent
     * {@link SourceCheckException} when the relay must stop, a transient one when the record cannot be read.
     */
    public synchronized void check(SourceIdentity current, boolean slotExists, Instant lastSeen, Instant now,
            RowsAtRisk rows, Runnable createSlot, TimelineHistory timelines) {
        streaming = null;
        Optional<PositionRecord> recorded;
        try {
            recorded = history.read();
        } catch (RuntimeException e) {
            throw new SourceCheckException("cannot read this relay's record from " + history.describe() + " ("
                    + e.getMessage() + "); the relay reads it before it uses its slot, to tell a first start from "
                    + "a lost slot. Check that Kafka is reachable and the relay may read and write that topic", e);
        }
        Decision decision = decide(recorded, current, slotExists, lastSeen, rows, now, timelines);
        if (decision.refusal() != null) {
            throw SourceCheckException.permanent(decision.refusal());
        }
        if (decision.createSlot()) {
            createSlot.run();
        }
        if (decision.write() != null && routineRefresh(decision, recorded)) {
            // Only seen_at moves: written off the start path, as while streaming (the record already exists).
            refreshInBackground(decision.write().seenAt());
        } else if (decision.write() != null) {
            try {
                history.write(decision.write());
            } catch (RuntimeException e) {
                throw new SourceCheckException("cannot write this relay's record to " + history.describe() + " ("
                        + e.getMessage() + "). Check that Kafka is reachable and the relay may write that topic", e);
            }
        }
        if (decision.warning() != null) {
            log.warn(decision.warning());
        }
        if (decision.info() != null) {
            log.info(decision.info());
        }
        streaming = current;
        lastRefreshNanos = System.nanoTime();
    }

    /**
     * At-least-once: the slot was seen at {@code at} (server clock) while streaming; about once a minute this is
     * recorded as {@code seen_at}, off the calling thread, so a slot lost while the relay is down counts the rows at
     * risk from about its last minute. Exactly-once records it with every Kafka commit instead.
     */
    public void slotSeen(Instant at) {
        if (exactlyOnce || System.nanoTime() - lastRefreshNanos < seenRefresh.toNanos()
                || !refreshing.compareAndSet(false, true)) {
            return;
        }
        refreshInBackground(at);
    }

    /** A start of a relay that streamed from this very source before: the record gains nothing but a newer seen_at. */
    private static boolean routineRefresh(Decision decision, Optional<PositionRecord> recorded) {
        return decision.info() == null && decision.warning() == null && !decision.createSlot()
                && recorded.isPresent() && recorded.get().identity() != null
                && recorded.get().identity().equals(decision.write().identity());
    }

    private void refreshInBackground(Instant at) {
        lastRefreshNanos = System.nanoTime();
        Thread.ofPlatform().daemon().name("outbox-relay-seen-at").start(() -> {
            try {
                refreshSeenAt(at);
            } catch (RuntimeException e) {
                log.debug("recording seen_at in {} failed: {}", history.describe(), e.getMessage());
            } finally {
                refreshing.set(false);
            }
        });
    }

    private synchronized void refreshSeenAt(Instant at) {
        if (streaming != null) {
            history.write(new PositionRecord(streaming, 0, at));
        }
    }

    Decision decide(Optional<PositionRecord> recorded, SourceIdentity current, boolean slotExists, Instant lastSeen,
            RowsAtRisk rows, Instant now) {
        return decide(recorded, current, slotExists, lastSeen, rows, now, TimelineHistory.NONE);
    }

    Decision decide(Optional<PositionRecord> recorded, SourceIdentity current, boolean slotExists, Instant lastSeen,
            RowsAtRisk rows, Instant now, TimelineHistory timelines) {
        if (recorded.isEmpty()) {
            PositionRecord first = new PositionRecord(current, 0, now);
            return slotExists
                    ? Decision.stream(first, "recorded the source of relay " + current.slot() + " ("
                            + current.describe() + ") in " + history.describe())
                    : new Decision(true, first, "created replication slot " + current.slot() + ": first start of "
                            + "this relay name on " + current.describe() + "; rows committed from now on are relayed "
                            + "(recorded in " + history.describe() + ")", null, null);
        }
        PositionRecord record = recorded.get();
        SourceIdentity before = record.identity();
        if (before != null && !before.sameSourceAs(current)) {
            return otherSource(before, current, slotExists, now);
        }
        if (!slotExists) {
            return slotGone(record, current, lastSeen, rows, now);
        }
        if (before == null) {
            return Decision.stream(new PositionRecord(current, record.position(), now), "upgraded the position record "
                    + "of relay " + current.slot() + " in " + history.describe() + " with its source ("
                    + current.describe() + ")");
        }
        if (before.timeline() != current.timeline()) {
            return timelineChanged(record, current, now, timelines);
        }
        // At-least-once refreshes seen_at at every start and reconnect; exactly-once does at every Kafka commit.
        return Decision.stream(exactlyOnce ? null : new PositionRecord(current, 0, now), null);
    }

    private Decision otherSource(SourceIdentity before, SourceIdentity current, boolean slotExists, Instant now) {
        String what = before.systemIdentifier().equals(current.systemIdentifier())
                ? "another database of the same cluster" : "another PostgreSQL cluster (its system identifier differs: "
                        + "a server replaced or re-created by initdb, a dump restored elsewhere, or another server)";
        String happened = "relay " + current.slot() + " streamed from " + before.describe() + " but OUTBOX_DB_URL now "
                + "reaches " + current.describe() + ": " + what;
        if (policy == SlotRecreate.NEVER) {
            return Decision.refuse(happened + ". Rows committed on the old source after its last relayed position: "
                    + "unknown (they are not on this server). The relay does not switch sources on its own: point "
                    + "OUTBOX_DB_URL back at the old source, give this source its own OUTBOX_RELAY_NAME, or set "
                    + "OUTBOX_SLOT_RECREATE=accept-gap to start here from now on (re-publish missed rows still in the "
                    + "outbox table with `outbox-relay.jar replay`, see its runbook in the relay README)");
        }
        return new Decision(!slotExists, new PositionRecord(current, 0, now), null, "OUTBOX_SLOT_RECREATE=accept-gap: "
                + happened + "; streaming from this source's slot" + (slotExists ? "" : " (created now)")
                + ". Rows the old source committed after its last relayed position are NOT relayed", null);
    }

    private Decision slotGone(PositionRecord record, SourceIdentity current, Instant lastSeen, RowsAtRisk rows,
            Instant now) {
        Instant since = latest(record.seenAt(), lastSeen);
        String atRisk = since == null ? "unknown (no time of the last known position is recorded)" : rows.since(since);
        String happened = "replication slot " + current.slot() + " is missing on " + current.describe() + ", but relay "
                + current.slot() + " has streamed from it (recorded in " + history.describe() + "): the slot was "
                + "dropped, or the server is a failover target or restore without it";
        if (policy == SlotRecreate.NEVER) {
            return Decision.refuse(happened + ". Rows at risk: " + atRisk + ". A new slot would stream only what "
                    + "commits from now on, so the relay does not create one on its own. To recover: keep the relay "
                    + "stopped, re-publish the missed rows from " + table + " with `outbox-relay.jar replay "
                    + "--after-kafka` (runbook 'the slot is lost' in the relay README), then start it once with "
                    + "OUTBOX_SLOT_RECREATE=accept-gap");
        }
        long position = exactlyOnce ? record.position() : 0;
        return new Decision(true, new PositionRecord(current, position, now), null, "OUTBOX_SLOT_RECREATE=accept-gap: "
                + happened + "; created a new slot, streaming from now on. Gap NOT relayed: rows committed after the "
                + "last confirmed position until now; " + atRisk, null);
    }

    private Decision timelineChanged(PositionRecord record, SourceIdentity current, Instant now,
            TimelineHistory timelines) {
        String happened = "the server's timeline changed from " + record.identity().timeline() + " to "
                + current.timeline() + " (a failover or a point-in-time restore)";
        if (!exactlyOnce || record.position() == 0) {
            return Decision.stream(new PositionRecord(current, 0, now), happened + "; slot " + current.slot()
                    + " is present, streaming from its position");
        }
        long switchPoint = timelines.switchPoint(record.identity().timeline());
        if (switchPoint >= 0 && record.position() <= switchPoint) {
            return Decision.stream(new PositionRecord(current, record.position(), now), happened + "; exactly-once "
                    + "position " + lsn(record.position()) + " is at or before the switch point " + lsn(switchPoint)
                    + " of timeline " + record.identity().timeline() + ", so it holds on timeline " + current.timeline()
                    + ": streaming on from it");
        }
        if (policy == SlotRecreate.NEVER) {
            return Decision.refuse("exactly-once position " + lsn(record.position()) + " of relay " + current.slot()
                    + " was committed on timeline " + record.identity().timeline() + ", but " + happened + ": "
                    + "transactions at or below that position on the new timeline would be skipped. Check that the "
                    + "slot is at or before the switch point, then set OUTBOX_SLOT_RECREATE=accept-gap to drop the old "
                    + "position (the relay then re-sends from the slot's position: duplicates possible, no loss)");
        }
        return new Decision(false, new PositionRecord(current, 0, now), null, "OUTBOX_SLOT_RECREATE=accept-gap: "
                + happened + "; dropped the exactly-once position " + lsn(record.position()) + " of timeline "
                + record.identity().timeline() + ", streaming from the slot's position (rows may repeat)", null);
    }

    private static Instant latest(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }

    private static String lsn(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
