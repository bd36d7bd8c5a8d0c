package org.tdxsim.module.profile;

import com.google.common.collect.ImmutableSortedMap;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;

/**
 * One {@code xfam_mask_<leaf>_<subleaf>} table (abi §5.4; module-data README): for every XFAM bit
 * that is 0 in TD_PARAMS.XFAM, the listed CPUID bits are cleared ({@code apply_cpuid_xfam_masks}).
 * XFAM bits without an entry clear nothing.
 */
public record XfamMaskTable(String table, int leaf, int subleaf, ImmutableSortedMap<Integer, CpuidRegs> perXfamBit) {

    public CpuidLeaf cpuidLeaf() {
        return new CpuidLeaf(leaf, subleaf);
    }

    /** The mask for one XFAM bit (zero when the table has no entry for it). */
    public CpuidRegs maskFor(int xfamBit) {
        return perXfamBit.getOrDefault(xfamBit, CpuidRegs.ZERO);
    }

    /** Union of the masks of every XFAM bit that is 0 in {@code xfam}: the bits to clear. */
    public CpuidRegs clearedBy(long xfam) {
        CpuidRegs m = CpuidRegs.ZERO;
        for (var e : perXfamBit.entrySet()) {
            if ((xfam >>> e.getKey() & 1) == 0) {
                m = m.or(e.getValue());
            }
        }
        return m;
    }
}
