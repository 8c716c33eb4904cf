package dev.outbox.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Grouped bar charts drawn with java.awt (headless): one group per x label, one coloured bar per series at the
 * median, a whisker from min to max.
 */
final class Charts {
    private Charts() {
    }

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)
    };

    /**
     * @param groups x label -> series name -> stats (missing series leave a gap)
     * @param log    logarithmic value axis, for figures spanning orders of magnitude
     */
    static void groupedBars(Path file, String title, String unit, Map<String, Map<String, Stats>> groups,
            boolean log) throws IOException {
        List<String> series = new ArrayList<>();
        groups.values().forEach(row -> row.keySet().forEach(s -> {
            if (!series.contains(s)) {
                series.add(s);
            }
        }));
        int width = Math.max(900, 140 + groups.size() * (series.size() * 26 + 40));
        int height = 560;
        int left = 90;
        int right = 20;
        int top = 50;
        int legendHeight = 22 * ((series.size() + 2) / 3);
        int bottom = 70 + legendHeight;
        double max = 0;
        double min = Double.MAX_VALUE;
        for (Map<String, Stats> row : groups.values()) {
            for (Stats s : row.values()) {
                max = Math.max(max, s.max());
                min = Math.min(min, Math.max(s.min(), 1e-3));
            }
        }
        if (max <= 0) {
            max = 1;
        }
        double axisMin = log ? Math.pow(10, Math.floor(Math.log10(min))) : 0;
        double axisMax = log ? Math.pow(10, Math.ceil(Math.log10(max))) : niceCeiling(max);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, left, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int plotHeight = height - top - bottom;
        int plotWidth = width - left - right;
        // Grid and value labels.
        List<Double> ticks = new ArrayList<>();
        if (log) {
            for (double v = axisMin; v <= axisMax * 1.0001; v *= 10) {
                ticks.add(v);
            }
        } else {
            for (int i = 0; i <= 5; i++) {
                ticks.add(axisMax * i / 5);
            }
        }
        for (double tick : ticks) {
            int y = top + plotHeight - scale(tick, axisMin, axisMax, log, plotHeight);
            g.setColor(new Color(0xdddddd));
            g.drawLine(left, y, left + plotWidth, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(format(tick), 8, y + 4);
        }
        g.drawString(unit, 8, top - 8);
        int groupWidth = plotWidth / Math.max(1, groups.size());
        int barWidth = Math.max(6, Math.min(26, (groupWidth - 20) / Math.max(1, series.size())));
        int gi = 0;
        for (Map.Entry<String, Map<String, Stats>> group : groups.entrySet()) {
            int groupLeft = left + gi * groupWidth + (groupWidth - barWidth * series.size()) / 2;
            for (int si = 0; si < series.size(); si++) {
                Stats s = group.getValue().get(series.get(si));
                if (s == null) {
                    continue;
                }
                int x = groupLeft + si * barWidth;
                int h = scale(s.median(), axisMin, axisMax, log, plotHeight);
                g.setColor(PALETTE[si % PALETTE.length]);
                g.fillRect(x + 1, top + plotHeight - h, barWidth - 2, h);
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1.2f));
                int yMin = top + plotHeight - scale(s.min(), axisMin, axisMax, log, plotHeight);
                int yMax = top + plotHeight - scale(s.max(), axisMin, axisMax, log, plotHeight);
                int cx = x + barWidth / 2;
                g.drawLine(cx, yMin, cx, yMax);
                g.drawLine(cx - 3, yMin, cx + 3, yMin);
                g.drawLine(cx - 3, yMax, cx + 3, yMax);
            }
            g.setColor(Color.BLACK);
            String label = group.getKey();
            int labelWidth = g.getFontMetrics().stringWidth(label);
            g.drawString(label, left + gi * groupWidth + (groupWidth - labelWidth) / 2, top + plotHeight + 18);
            gi++;
        }
        g.setColor(Color.BLACK);
        g.drawLine(left, top, left, top + plotHeight);
        g.drawLine(left, top + plotHeight, left + plotWidth, top + plotHeight);
        // Legend.
        int legendTop = top + plotHeight + 36;
        for (int si = 0; si < series.size(); si++) {
            int x = left + (si % 3) * (plotWidth / 3);
            int y = legendTop + (si / 3) * 22;
            g.setColor(PALETTE[si % PALETTE.length]);
            g.fillRect(x, y, 14, 14);
            g.setColor(Color.BLACK);
            g.drawString(series.get(si), x + 20, y + 12);
        }
        g.drawString("bar = median, whisker = min..max over repetitions", left, height - 8);
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static int scale(double value, double axisMin, double axisMax, boolean log, int plotHeight) {
        if (log) {
            double v = Math.max(value, axisMin);
            return (int) Math.round((Math.log10(v) - Math.log10(axisMin))
                    / (Math.log10(axisMax) - Math.log10(axisMin)) * plotHeight);
        }
        return (int) Math.round(value / axisMax * plotHeight);
    }

    static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String format(double v) {
        if (v == 0) {
            return "0";
        }
        if (v >= 1_000_000) {
            return String.format("%.1fM", v / 1_000_000);
        }
        if (v >= 10_000) {
            return String.format("%.0fk", v / 1_000);
        }
        if (v >= 100) {
            return String.format("%.0f", v);
        }
        if (v >= 1) {
            return String.format("%.1f", v);
        }
        return String.format("%.3f", v);
    }
}
