package org.tdxsim.conformance.table;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The enumerated decision table: one {@link Row} per (policy, module, host, EAX[7:0]), each holding the
 * outcome for every requested GuestPhysBits 0..255.
 *
 * @param space the input space that was enumerated
 * @param rows every row, ordered policy → module → host → EAX[7:0]
 * @param bringUps per (module, host): how the simulated host came up ("TDX ready" or the refusal)
 * @param elapsed time spent enumerating (not counting JVM start)
 * @param kernelCalls how many KVM_TDX_INIT_VM calls were issued
 */
public record DecisionMatrix(InputSpace space, ImmutableList<Row> rows,
        ImmutableMap<String, String> bringUps, Duration elapsed, long kernelCalls) {

    /**
     * One row of the table.
     *
     * @param capsEax70Mask EAX[7:0] part of the 0x80000008 mask KVM_TDX_CAPABILITIES reported on this host
     *     (−1 when TDX is unavailable)
     * @param advertisedAddrWidthsEax KVM_GET_SUPPORTED_CPUID's 0x80000008 EAX on this host, if listed
     */
    public record Row(String policy, String module, HostConfig host, int eax70, ImmutableList<Outcome> cells,
            int capsEax70Mask, java.util.OptionalInt advertisedAddrWidthsEax) {
        public Row {
            if (cells.size() != InputSpace.GUEST_PHYS_BITS_VALUES) {
                throw new IllegalArgumentException("row needs 256 cells, has " + cells.size());
            }
        }

        public Outcome at(int guestPhysBits) {
            return cells.get(guestPhysBits);
        }

        /** Key of the row without the policy (rows of two policies with equal keys are comparable). */
        public String keyWithoutPolicy() {
            return module + " | " + host.label() + " | EAX[7:0]=" + eax70;
        }
    }

    /** Number of cells. */
    public long size() {
        return (long) rows.size() * InputSpace.GUEST_PHYS_BITS_VALUES;
    }

    public ImmutableList<Row> rows(String policy) {
        return rows.stream().filter(r -> r.policy().equals(policy)).collect(ImmutableList.toImmutableList());
    }

    public ImmutableList<Row> rows(String policy, String module) {
        return rows.stream().filter(r -> r.policy().equals(policy) && r.module().equals(module))
                .collect(ImmutableList.toImmutableList());
    }

    /** Cell count per outcome kind for one policy. */
    public ImmutableMap<Outcome.Kind, Long> countByKind(String policy) {
        long[] counts = new long[Outcome.Kind.values().length];
        for (Row r : rows(policy)) {
            for (Outcome o : r.cells()) {
                counts[o.kind().ordinal()]++;
            }
        }
        ImmutableMap.Builder<Outcome.Kind, Long> b = ImmutableMap.builder();
        for (Outcome.Kind k : Outcome.Kind.values()) {
            b.put(k, counts[k.ordinal()]);
        }
        return b.build();
    }

    /**
     * A run of consecutive GuestPhysBits values with the same outcome within a row.
     *
     * @param from first GuestPhysBits of the run
     * @param to last GuestPhysBits of the run (inclusive)
     */
    public record Run(int from, int to, Outcome outcome) {
        public String range() {
            return from == to ? Integer.toString(from) : from + "–" + to;
        }
    }

    /** The row's cells as runs of equal outcomes (equal = same kind, label and reason). */
    public static ImmutableList<Run> runs(Row row) {
        ImmutableList.Builder<Run> b = ImmutableList.builder();
        int start = 0;
        for (int g = 1; g <= InputSpace.GUEST_PHYS_BITS_VALUES; g++) {
            if (g == InputSpace.GUEST_PHYS_BITS_VALUES || !same(row.at(g), row.at(start))) {
                b.add(new Run(start, g - 1, row.at(start)));
                start = g;
            }
        }
        return b.build();
    }

    /** Runs where only kind and short label are compared (reasons that embed the value are merged). */
    public static ImmutableList<Run> coarseRuns(Row row) {
        ImmutableList.Builder<Run> b = ImmutableList.builder();
        int start = 0;
        for (int g = 1; g <= InputSpace.GUEST_PHYS_BITS_VALUES; g++) {
            if (g == InputSpace.GUEST_PHYS_BITS_VALUES || !sameClass(row.at(g), row.at(start))) {
                b.add(new Run(start, g - 1, row.at(start)));
                start = g;
            }
        }
        return b.build();
    }

    static boolean same(Outcome a, Outcome b) {
        return sameClass(a, b) && a.reason().equals(b.reason());
    }

    /** Same colour and label: what a reader sees as "the same outcome". */
    public static boolean sameClass(Outcome a, Outcome b) {
        return a.kind() == b.kind() && Objects.equals(a.shortLabel(), b.shortLabel());
    }

    /** Compact signature of a row's coarse runs, used to merge rows that read the same. */
    public static String signature(Row row) {
        return Arrays.toString(coarseRuns(row).stream()
                .map(r -> r.range() + "=" + r.outcome().kind() + ":" + r.outcome().shortLabel()).toArray());
    }
}
