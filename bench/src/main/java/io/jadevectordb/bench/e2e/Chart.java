package io.jadevectordb.bench.e2e;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A horizontal bar chart in plain SVG: records/s per configuration, with its ratio to the first (noop). */
final class Chart {

    private Chart() {
    }

    static String bars(String title, List<Map<String, Object>> rows) {
        int width = 820;
        int left = 250;
        int barHeight = 34;
        int top = 50;
        int height = top + rows.size() * (barHeight + 14) + 40;
        double max = rows.stream().mapToDouble(r -> (double) r.get("records_per_s")).max().orElse(1);
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"13\">%n", width, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"25\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", escape(title)));
        int y = top;
        for (Map<String, Object> r : rows) {
            double rate = (double) r.get("records_per_s");
            double w = (width - left - 130) * rate / max;
            Object ratio = r.get("ratio_to_noop");
            String color = switch ((String) r.get("configuration")) {
                case "noop", "struct-noop" -> "#9e9e9e";
                case "struct" -> "#e57373";
                case "fastpath" -> "#43a047";
                default -> "#64b5f6";
            };
            svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\">%s</text>%n", y + 15, escape((String) r.get("configuration"))));
            svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-size=\"10\" fill=\"#555\">%s</text>%n", y + 29,
                    escape(shorten((String) r.get("description")))));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n", left, y,
                    Math.max(1, w), barHeight, color));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%,.0f/s%s</text>%n", left + w + 6, y + 21, rate,
                    ratio == null ? "" : String.format(Locale.ROOT, " (%.2fx)", (double) ratio)));
            y += barHeight + 14;
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 39) + "…" : s;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
