package org.tdxsim.module;

import com.google.common.collect.ImmutableList;

/**
 * What TDH.MNG.INIT stores in the TDCS from an accepted TD_PARAMS (abi §3, §4, §6.5): the values the
 * TD_PARAMS checks produced plus the measurement registers copied verbatim (abi §4.1 row 19).
 *
 * @param cpuidValues per {@code cpuid_lookup} index: two u64 elements (EBX:EAX, EDX:ECX), abi §3.3
 * @param cpuidValid  per {@code cpuid_lookup} index: TDCS.CPUID_VALID
 * @param eptp        TDCS.EPTP: the EPTP controls plus the S-EPT root page PA (abi §6.5)
 * @param virtMaxPa   TDCS.VIRT_MAXPA (2.0 field); 0 when not applicable
 */
record TdSettings(
        long attributes,
        long xfam,
        int maxVcpus,
        int numL2Vms,
        boolean gpaw,
        long eptp,
        long configFlags,
        int tscFrequency,
        int virtMaxPa,
        ImmutableList<long[]> cpuidValues,
        ImmutableList<Boolean> cpuidValid,
        long[] mrConfigId,
        long[] mrOwner,
        long[] mrOwnerConfig,
        long tscMultiplier,
        long tscOffset) {

    /** Page-walk length − 1 from EPTP bits 5:3: 3 = 4-level, 4 = 5-level (abi §3.5). */
    int eptPwlMinus1() {
        return (int) (eptp >>> 3 & 0x7);
    }
}
