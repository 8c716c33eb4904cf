package dev.outbox.sandbox;

import java.util.ArrayList;
import java.util.List;

/** A plain text table with aligned columns, for the sandbox summary. */
final class TextTable {

    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    TextTable(String... header) {
        this.columns = header.length;
        rows.add(header);
    }

    TextTable row(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
        }
        String[] text = new String[columns];
        for (int i = 0; i < columns; i++) {
            text[i] = String.valueOf(cells[i]);
        }
        rows.add(text);
        return this;
    }

    String render() {
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            for (int i = 0; i < columns; i++) {
                out.append(i == 0 ? "  " : "  ").append(pad(row[i], widths[i], i > 0 && r > 0));
            }
            out.append('\n');
            if (r == 0) {
                for (int i = 0; i < columns; i++) {
                    out.append("  ").append("-".repeat(widths[i]));
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String pad(String text, int width, boolean right) {
        String spaces = " ".repeat(width - text.length());
        return right ? spaces + text : text + spaces;
    }
}
