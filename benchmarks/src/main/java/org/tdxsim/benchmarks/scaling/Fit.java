package org.tdxsim.benchmarks.scaling;

import java.util.List;

/**
 * Least-squares fits of a measured series y(x).
 *
 * @param slope      dy/dx of the straight-line fit (e.g. bytes per vCPU, µs per TD)
 * @param intercept  y at x = 0 of that fit (the fixed cost)
 * @param r2         coefficient of determination of the straight line
 * @param exponent   b of y ≈ a·x^b fitted on log-log scales over the points with x ≥ {@code minXForExponent}:
 *                   1 = linear, below 1 = better than linear, above 1 = worse
 */
public record Fit(double slope, double intercept, double r2, double exponent) {

    /** A fit of {@code ys} against {@code xs} (same length, at least two points). */
    public static Fit of(List<Double> xs, List<Double> ys, double minXForExponent) {
        if (xs.size() != ys.size() || xs.size() < 2) {
            throw new IllegalArgumentException("need two or more (x, y) pairs, got " + xs.size() + "/" + ys.size());
        }
        double[] line = leastSquares(xs, ys);
        double meanY = ys.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double ssTot = 0;
        double ssRes = 0;
        for (int i = 0; i < xs.size(); i++) {
            double predicted = line[0] * xs.get(i) + line[1];
            ssRes += Math.pow(ys.get(i) - predicted, 2);
            ssTot += Math.pow(ys.get(i) - meanY, 2);
        }
        double r2 = ssTot == 0 ? 1 : 1 - ssRes / ssTot;
        java.util.ArrayList<Double> lx = new java.util.ArrayList<>();
        java.util.ArrayList<Double> ly = new java.util.ArrayList<>();
        for (int i = 0; i < xs.size(); i++) {
            if (xs.get(i) >= minXForExponent && xs.get(i) > 0 && ys.get(i) > 0) {
                lx.add(Math.log(xs.get(i)));
                ly.add(Math.log(ys.get(i)));
            }
        }
        double exponent = lx.size() >= 2 ? leastSquares(lx, ly)[0] : Double.NaN;
        return new Fit(line[0], line[1], r2, exponent);
    }

    private static double[] leastSquares(List<Double> xs, List<Double> ys) {
        int n = xs.size();
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < n; i++) {
            double x = xs.get(i);
            double y = ys.get(i);
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        double d = n * sxx - sx * sx;
        double slope = d == 0 ? 0 : (n * sxy - sx * sy) / d;
        return new double[] {slope, (sy - slope * sx) / n};
    }

    /** "linear", "better than linear" or "worse than linear", from the exponent (±0.15 counts as linear). */
    public String growth() {
        if (Double.isNaN(exponent)) {
            return "unknown";
        }
        if (exponent < 0.85) {
            return "better than linear";
        }
        return exponent <= 1.15 ? "linear" : "worse than linear";
    }
}
