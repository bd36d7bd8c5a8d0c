package org.tdxsim.module.profile;

import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;

/**
 * One entry of {@code cpuid_configurable[]} (abi §5.1, §5.6): position {@code index} is the
 * position of its 16-byte value in TD_PARAMS.CPUID_CONFIG.
 *
 * @param configDirect bits taken verbatim from TD_PARAMS
 * @param allowDirect  native bits passed through only where the TD_PARAMS bit is 1
 * @param lookupIndex  back-reference into {@code cpuid_lookup} (1.0: equals {@code index})
 */
public record CpuidConfigurableEntry(
        int index, int leaf, int subleaf, CpuidRegs configDirect, CpuidRegs allowDirect, int lookupIndex) {

    public CpuidLeaf cpuidLeaf() {
        return new CpuidLeaf(leaf, subleaf);
    }

    /** {@code configDirect | allowDirect}: any other 1-bit in TD_PARAMS is rejected (abi §4.1 row 22). */
    public CpuidRegs allowedInTdParams() {
        return configDirect.or(allowDirect);
    }
}
