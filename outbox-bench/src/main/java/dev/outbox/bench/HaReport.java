package dev.outbox.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** {@link HaRecovery}'s markdown report: one table per campaign, a row per case, then the cases that failed. */
final class HaReport {

    private HaReport() {
    }

    /** One table row: source, delivery, events, both times as p50 / max, rows, lost, duplicates max / total. */
    static String row(HaCase c) {
        return String.format("| %s | %s | %d | %s | %s | %,d | %d | %s |", c.source(), c.delivery(),
                c.firstRowMs().size(), HaCase.p50Max(c.firstRowMs()), HaCase.p50Max(c.secondMs()), c.rows(), c.lost(),
                c.duplicatesMaxTotal());
    }

    /** The report; {@code run} is the line that says when, on what and under which load it ran. */
    static String render(String run, int kills, int failovers, Collection<HaCase> takeovers,
            Collection<HaCase> failoverCases) {
        StringBuilder out = new StringBuilder();
        out.append("# High availability: relay takeover and PostgreSQL failover\n\n").append(run).append("\n\n");
        out.append("## Relay takeover\n\n").append("Two relays of one name, a writer committing one row every 10 ms; ")
                .append(kills).append(" SIGKILLs of the active relay per case, each killed relay restarted as the ")
                .append("standby. Times from the kill (ms); duplicates: copies delivered twice per takeover.\n\n")
                .append("| source | delivery | takeovers | kill → first row committed after it delivered, p50 / max ")
                .append("| kill → standby streaming (ready), p50 / max | rows | lost | duplicates max / total |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        takeovers.forEach(c -> out.append(row(c)).append('\n'));
        out.append("\n## PostgreSQL failover\n\n").append("A primary and a synchronous standby with failover slots, ")
                .append("one relay given both hosts, a writer committing one row every 10 ms through the multi-host ")
                .append("URL; ").append(failovers).append(" failover(s) per case (primary SIGKILLed, standby promoted ")
                .append("at once). Times from the kill (ms); duplicates: copies delivered twice per failover.\n\n")
                .append("| source | delivery | failovers | recovery: kill → first row committed on the new primary ")
                .append("delivered, p50 / max | of which after the first commit on the new primary (the relay's ")
                .append("share), p50 / max | rows | lost | duplicates max / total |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        failoverCases.forEach(c -> out.append(row(c)).append('\n'));
        List<String> failures = new ArrayList<>();
        takeovers.forEach(c -> addFailure(failures, "takeover", c));
        failoverCases.forEach(c -> addFailure(failures, "failover", c));
        if (!failures.isEmpty()) {
            out.append("\n## Failures\n\n");
            failures.forEach(f -> out.append("- ").append(f).append('\n'));
        }
        return out.toString();
    }

    private static void addFailure(List<String> failures, String kind, HaCase c) {
        if (c.failure() != null) {
            failures.add(kind + " " + c.source() + " " + c.delivery() + ": " + c.failure().replaceAll("\\s+", " "));
        }
    }
}
