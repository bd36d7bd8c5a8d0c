package org.tdxsim.module.cpuid;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The TD_PARAMS fields the CPUID virtualization reads (abi §5.2, §5.4, §5.5).
 *
 * @param attributes   TD_PARAMS.ATTRIBUTES
 * @param xfam         TD_PARAMS.XFAM
 * @param configFlags  TD_PARAMS.CONFIG_FLAGS (1.0: EXEC_CONTROLS); bit 0 GPAW, 3 MAXPA_VIRT, 4 MAXGPA_VIRT
 * @param tscFrequency TD_PARAMS.TSC_FREQUENCY in units of 25 MHz
 * @param cpuidConfig  TD_PARAMS.CPUID_CONFIG values, one per configurable entry, in order
 */
public record CpuidInputs(long attributes, long xfam, long configFlags, int tscFrequency,
        ImmutableList<CpuidRegs> cpuidConfig) {

    public static CpuidInputs of(long attributes, long xfam, long configFlags, int tscFrequency,
            List<CpuidRegs> cpuidConfig) {
        return new CpuidInputs(attributes, xfam, configFlags, tscFrequency, ImmutableList.copyOf(cpuidConfig));
    }

    public boolean attribute(int bit) {
        return (attributes >>> bit & 1) != 0;
    }

    public boolean xfamBit(int bit) {
        return (xfam >>> bit & 1) != 0;
    }

    public boolean configFlag(int bit) {
        return (configFlags >>> bit & 1) != 0;
    }

    /** CONFIG_FLAGS.GPAW (bit 0): guest physical address width 52 instead of 48 (abi §3.6). */
    public boolean gpaw() {
        return configFlag(0);
    }
}
