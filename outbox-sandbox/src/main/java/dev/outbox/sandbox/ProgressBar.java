package dev.outbox.sandbox;

import java.io.PrintStream;

/** A one-line text progress bar redrawn in place with a carriage return. */
final class ProgressBar {

    private static final int WIDTH = 40;

    private final PrintStream out;
    private final String label;
    private final long total;

    ProgressBar(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
    }

    void show(long done, String detail) {
        out.print('\r' + render(done, detail));
        out.flush();
    }

    void finish(long done, String detail) {
        out.println('\r' + render(done, detail));
    }

    String render(long done, String detail) {
        long clamped = Math.min(Math.max(done, 0), total);
        int filled = (int) (clamped * WIDTH / total);
        return "%s [%s%s] %d/%d %s".formatted(label, "#".repeat(filled), ".".repeat(WIDTH - filled), clamped, total,
                detail);
    }
}
