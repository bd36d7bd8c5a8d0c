package org.tdxsim.benchmarks.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart written as standalone SVG (GitHub and every browser render it inline in
 * Markdown). Hand-written rather than a plotting library: the page needs only lines, markers, axes
 * with round ticks and a legend, and this keeps the benchmarks free of a dependency outside the
 * project's managed set.
 */
public final class SvgChart {

    /** One line: a name for the legend and (x, y) points in x order. */
    public record Series(String name, List<double[]> points) {}

    /** Axis scale. */
    public enum Scale { LINEAR, LOG2 }

    static final int W = 720;
    static final int H = 400;
    static final int LEFT = 80;
    static final int RIGHT = 20;
    static final int TOP = 40;
    static final int BOTTOM = 60;
    static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};

    private SvgChart() {}

    /** The chart; series with no points are left out, an empty chart says "no data". */
    public static String lineChart(String title, String xLabel, String yLabel, List<Series> series, Scale xScale,
            Scale yScale) {
        List<Series> data = series.stream().filter(s -> !s.points().isEmpty()).toList();
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        + "font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
        svg.append(String.format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">%s</text>%n",
                W / 2, esc(title)));
        if (data.isEmpty()) {
            svg.append(String.format("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no data</text>%n", W / 2, H / 2));
            return svg.append("</svg>\n").toString();
        }
        double[] xr = range(data, 0, xScale);
        double[] yr = range(data, 1, yScale);
        if (yScale == Scale.LINEAR) {
            yr[0] = Math.min(0, yr[0]);
        }
        Axis x = new Axis(xr[0], xr[1], xScale, LEFT, W - RIGHT);
        Axis y = new Axis(yr[0], yr[1], yScale, H - BOTTOM, TOP);
        // grid + ticks
        for (double t : x.ticks()) {
            double px = x.map(t);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e5e5e5\"/>%n",
                    px, TOP, px, H - BOTTOM));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px,
                    H - BOTTOM + 16, label(t)));
        }
        for (double t : y.ticks()) {
            double py = y.map(t);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>%n",
                    LEFT, py, W - RIGHT, py));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6,
                    py + 4, label(t)));
        }
        svg.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>%n",
                LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                (LEFT + W - RIGHT) / 2, H - 18, esc(xLabel + (xScale == Scale.LOG2 ? " (log scale)" : ""))));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">%s</text>%n",
                (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2,
                esc(yLabel + (yScale == Scale.LOG2 ? " (log scale)" : ""))));
        // series
        for (int i = 0; i < data.size(); i++) {
            Series s = data.get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder path = new StringBuilder();
            for (double[] p : s.points()) {
                path.append(path.isEmpty() ? "M" : " L")
                        .append(String.format(Locale.ROOT, "%.1f %.1f", x.map(p[0]), y.map(p[1])));
            }
            svg.append(String.format("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path, color));
            for (double[] p : s.points()) {
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n",
                        x.map(p[0]), y.map(p[1]), color));
            }
            int ly = TOP + 16 + 18 * i;
            svg.append(String.format("<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"4\" fill=\"%s\"/>%n", LEFT + 12,
                    ly - 5, color));
            svg.append(String.format("<text x=\"%d\" y=\"%d\">%s</text>%n", LEFT + 32, ly, esc(s.name())));
        }
        return svg.append("</svg>\n").toString();
    }

    private static double[] range(List<Series> data, int k, Scale scale) {
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (Series s : data) {
            for (double[] p : s.points()) {
                if (scale == Scale.LOG2 && p[k] <= 0) {
                    continue;
                }
                lo = Math.min(lo, p[k]);
                hi = Math.max(hi, p[k]);
            }
        }
        if (lo > hi) {
            return new double[] {1, 2};
        }
        if (lo == hi) {
            return scale == Scale.LOG2 ? new double[] {lo / 2, hi * 2} : new double[] {lo - 1, hi + 1};
        }
        return new double[] {lo, hi};
    }

    /** Maps data values to pixels; ticks at powers of two (log) or 1-2-5 steps (linear). */
    private record Axis(double lo, double hi, Scale scale, double p0, double p1) {
        Axis {
            if (scale == Scale.LINEAR) {
                double step = step(lo, hi);
                lo = Math.floor(lo / step) * step;
                hi = Math.ceil(hi / step) * step;
            } else {
                lo = Math.pow(2, Math.floor(log2(lo)));
                hi = Math.pow(2, Math.ceil(log2(hi)));
            }
        }

        double map(double v) {
            double f = scale == Scale.LINEAR ? (v - lo) / (hi - lo)
                    : (log2(Math.max(v, lo)) - log2(lo)) / (log2(hi) - log2(lo));
            return p0 + f * (p1 - p0);
        }

        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            if (scale == Scale.LINEAR) {
                double step = step(lo, hi);
                for (double v = lo; v <= hi + step / 2; v += step) {
                    t.add(v);
                }
            } else {
                int span = (int) Math.round(log2(hi) - log2(lo));
                int every = Math.max(1, (span + 9) / 10);
                for (int e = 0; e <= span; e += every) {
                    t.add(lo * Math.pow(2, e));
                }
            }
            return t;
        }

        static double step(double lo, double hi) {
            double raw = (hi - lo) / 6;
            double mag = Math.pow(10, Math.floor(Math.log10(raw)));
            double n = raw / mag;
            return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
        }

        static double log2(double v) {
            return Math.log(v) / Math.log(2);
        }
    }

    /** 1234567 → "1.2M", 0.5 → "0.5". */
    static String label(double v) {
        double a = Math.abs(v);
        if (a >= 1e9) {
            return trim(v / 1e9) + "G";
        }
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e4) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.2f", v);
        s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        return s;
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
