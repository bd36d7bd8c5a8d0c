package org.tdxsim.module.profile;

import java.util.OptionalInt;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;

/**
 * One valid entry of the module's {@code cpuid_lookup[]} table ([M*] {@code cpuid_configurations.c},
 * abi §5.1, Appendix A). Entries are kept in index order, the order the module iterates at
 * TDH.MNG.INIT (abi §4.1 row 22); indexes may have gaps (1.5.06 slots 68-71 are unused).
 *
 * @param subleaf      {@link CpuidLeaf#SUBLEAF_NA} (0xFFFFFFFF) when the entry matches any subleaf
 * @param configIndex  index into {@code cpuid_configurable} / TD_PARAMS.CPUID_CONFIG, -1 = none
 */
public record CpuidLookupEntry(
        int index,
        int leaf,
        int subleaf,
        boolean faulting,
        CpuidRegs verifyMask,
        CpuidRegs verifyValue,
        CpuidRegs verifySame,
        CpuidRegs fixed0OrDynamic,
        CpuidRegs fixed1,
        int configIndex) {

    public CpuidLeaf cpuidLeaf() {
        return new CpuidLeaf(leaf, subleaf);
    }

    public boolean subleafNa() {
        return subleaf == CpuidLeaf.SUBLEAF_NA;
    }

    public boolean configurable() {
        return configIndex >= 0;
    }

    public OptionalInt configIndexOpt() {
        return configIndex >= 0 ? OptionalInt.of(configIndex) : OptionalInt.empty();
    }

    /**
     * {@code get_cpuid_lookup_entry} matching (abi §6.1): an NA entry matches any subleaf of its
     * leaf, otherwise leaf and subleaf must be equal.
     */
    public boolean matches(int leaf, int subleaf) {
        return this.leaf == leaf && (subleafNa() || this.subleaf == subleaf);
    }
}
