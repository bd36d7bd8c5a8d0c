package org.tdxsim.conformance.table;

import com.google.common.collect.ImmutableList;
import java.util.HashMap;
import java.util.Map;
import org.tdxsim.conformance.table.DecisionMatrix.Row;

/**
 * Where two GPAW policies disagree: for each pair of policies, every input (module, host, EAX[7:0],
 * GuestPhysBits range) on which they give a different outcome class (kind + label).
 */
public final class PolicyDiff {

    private PolicyDiff() {
    }

    /**
     * One region of disagreement.
     *
     * @param policyA first policy
     * @param policyB second policy
     * @param row the row both policies share (module, host, EAX[7:0]); its policy is {@code policyA}
     * @param from first GuestPhysBits of the region
     * @param to last GuestPhysBits (inclusive)
     * @param a outcome under {@code policyA} at {@code from}
     * @param b outcome under {@code policyB} at {@code from}
     */
    public record Difference(String policyA, String policyB, Row row, int from, int to, Outcome a, Outcome b) {
        public int cells() {
            return to - from + 1;
        }

        public String range() {
            return from == to ? Integer.toString(from) : from + "–" + to;
        }

        /** One line a person can read. */
        public String describe() {
            return String.format("%s vs %s: module %s, %s, EAX[7:0]=%d, GuestPhysBits %s: %s vs %s",
                    policyA, policyB, row.module(), row.host().label(), row.eax70(), range(),
                    a.shortLabel(), b.shortLabel());
        }
    }

    /** All differences between every pair of policies in the matrix (pairs in policy order). */
    public static ImmutableList<Difference> compute(DecisionMatrix m) {
        ImmutableList.Builder<Difference> out = ImmutableList.builder();
        ImmutableList<String> policies = m.space().policies();
        for (int i = 0; i < policies.size(); i++) {
            for (int j = i + 1; j < policies.size(); j++) {
                out.addAll(between(m, policies.get(i), policies.get(j)));
            }
        }
        return out.build();
    }

    /** Differences between two policies. */
    public static ImmutableList<Difference> between(DecisionMatrix m, String pa, String pb) {
        Map<String, Row> bRows = new HashMap<>();
        for (Row r : m.rows(pb)) {
            bRows.put(r.keyWithoutPolicy(), r);
        }
        ImmutableList.Builder<Difference> out = ImmutableList.builder();
        for (Row ra : m.rows(pa)) {
            Row rb = bRows.get(ra.keyWithoutPolicy());
            if (rb == null) {
                continue;
            }
            int start = -1;
            for (int g = 0; g <= InputSpace.GUEST_PHYS_BITS_VALUES; g++) {
                boolean differs = g < InputSpace.GUEST_PHYS_BITS_VALUES
                        && !DecisionMatrix.sameClass(ra.at(g), rb.at(g));
                boolean continues = differs && start >= 0
                        && DecisionMatrix.sameClass(ra.at(g), ra.at(start))
                        && DecisionMatrix.sameClass(rb.at(g), rb.at(start));
                if (start >= 0 && !continues) {
                    out.add(new Difference(pa, pb, ra, start, g - 1, ra.at(start), rb.at(start)));
                    start = -1;
                }
                if (differs && start < 0) {
                    start = g;
                }
            }
        }
        return out.build();
    }
}
