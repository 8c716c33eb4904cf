package dev.outbox.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of one case of {@link HaRecovery} (a source and a delivery mode, N events: takeovers or failovers):
 * per event the time to the first new row delivered, a second time (the standby streaming, or the part after the
 * first commit on the new primary) and the copies delivered twice; over the case the rows acknowledged and lost.
 * {@code failure} says why the case stopped early (its figures then cover the events before).
 */
record HaCase(String source, String delivery, List<Long> firstRowMs, List<Long> secondMs, List<Long> duplicates,
        long rows, long lost, String failure) {

    static HaCase failed(String source, String delivery, String failure) {
        return new HaCase(source, delivery, List.of(), List.of(), List.of(), 0, 0, failure);
    }

    HaCase withFailure(String why) {
        return new HaCase(source, delivery, firstRowMs, secondMs, duplicates, rows, lost, why);
    }

    /** Finished, nothing lost, and in exactly-once mode nothing delivered twice. */
    boolean sound() {
        return failure == null && lost == 0
                && (!delivery.equals("exactly-once") || duplicates.stream().allMatch(copies -> copies == 0));
    }

    /** "p50 / max" of {@code values} in ms (the median of an even count is the mean of the two middle values). */
    static String p50Max(List<Long> values) {
        if (values.isEmpty()) {
            return "-";
        }
        Stats stats = Stats.of(new ArrayList<>(values.stream().map(Long::doubleValue).toList()));
        return String.format("%,.0f / %,.0f", stats.median(), stats.max());
    }

    /** "max / total" of the duplicates per event. */
    String duplicatesMaxTotal() {
        if (duplicates.isEmpty()) {
            return "-";
        }
        return duplicates.stream().mapToLong(Long::longValue).max().orElse(0) + " / "
                + duplicates.stream().mapToLong(Long::longValue).sum();
    }
}
