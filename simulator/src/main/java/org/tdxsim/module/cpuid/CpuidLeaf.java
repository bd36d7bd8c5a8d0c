package org.tdxsim.module.cpuid;

/**
 * A CPUID leaf/subleaf pair. {@link #SUBLEAF_NA} (0xFFFFFFFF, {@code CPUID_SUBLEAF_NA} in the
 * module's helpers.h, abi §3.3) marks a leaf without subleaves.
 */
public record CpuidLeaf(int leaf, int subleaf) implements Comparable<CpuidLeaf> {

    /** "Not applicable" subleaf, 0xFFFFFFFF (abi §3.3). */
    public static final int SUBLEAF_NA = 0xFFFFFFFF;

    public static CpuidLeaf of(int leaf, int subleaf) {
        return new CpuidLeaf(leaf, subleaf);
    }

    public static CpuidLeaf noSubleaf(int leaf) {
        return new CpuidLeaf(leaf, SUBLEAF_NA);
    }

    public boolean hasSubleaf() {
        return subleaf != SUBLEAF_NA;
    }

    /** Leaf in bits 31:0 and subleaf in 63:32, as in TDH.MNG.INIT's RCX extended info and
     * CPUID_CONFIG_LEAVES (abi §3.3, §4.1 row 22). */
    public long packed() {
        return Integer.toUnsignedLong(leaf) | (long) subleaf << 32;
    }

    @Override
    public int compareTo(CpuidLeaf o) {
        int c = Integer.compareUnsigned(leaf, o.leaf);
        return c != 0 ? c : Integer.compareUnsigned(subleaf, o.subleaf);
    }

    /** {@code 0x7.0}, {@code 0x80000008} (no subleaf). */
    @Override
    public String toString() {
        return hasSubleaf() ? String.format("0x%X.%d", leaf, subleaf) : String.format("0x%X", leaf);
    }
}
