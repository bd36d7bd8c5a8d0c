package org.tdxsim.module.tdparams;

import com.google.common.collect.ImmutableList;
import java.util.Optional;
import java.util.OptionalInt;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.ModuleProfile;

/**
 * What TDH.MNG.INIT stores in TDCS from an accepted TD_PARAMS.
 *
 * @param attributes                  ATTRIBUTES
 * @param xfam                        XFAM
 * @param maxVcpus                    MAX_VCPUS
 * @param numL2Vms                    NUM_L2_VMS (0 on 1.0)
 * @param gpaw                        GPAW (0 → GPA width 48, SHARED bit 47; 1 → 52, bit 51; abi §3.6)
 * @param eptpControls                EPTP_CONTROLS as given (the module adds the S-EPT root PA itself)
 * @param eptWalkLevels               4 or 5
 * @param configFlags                 CONFIG_FLAGS (1.0: EXEC_CONTROLS)
 * @param tscFrequency                TSC_FREQUENCY in 25 MHz units
 * @param virtMaxPa                   TDCS.VIRT_MAXPA (1.5.06+, abi §5.5), empty before
 * @param msrConfigCtls               MSR_CONFIG_CTLS (1.5+)
 * @param ia32ArchCapabilitiesConfig  IA32_ARCH_CAPABILITIES_CONFIG (1.5+)
 * @param cpuidValues                 CPUID values per lookup index (unused slots zero)
 * @param cpuidValid                  CPUID_VALID per lookup index
 */
public record TdConfig(
        long attributes,
        long xfam,
        int maxVcpus,
        int numL2Vms,
        int gpaw,
        long eptpControls,
        int eptWalkLevels,
        long configFlags,
        int tscFrequency,
        OptionalInt virtMaxPa,
        ByteBlock mrConfigId,
        ByteBlock mrOwner,
        ByteBlock mrOwnerConfig,
        int msrConfigCtls,
        long ia32ArchCapabilitiesConfig,
        ImmutableList<CpuidRegs> cpuidValues,
        ImmutableList<Boolean> cpuidValid) {

    /** The stored CPUID value for (leaf, subleaf) by the module's lookup rules, if the leaf is in the table. */
    public Optional<CpuidRegs> cpuid(ModuleProfile m, int leaf, int subleaf) {
        return m.lookupEntry(leaf, subleaf).map(e -> cpuidValues.get(e.index()));
    }

    /** Guest physical address width: 52 with GPAW, else 48 (abi §3.6). */
    public int gpaWidth() {
        return gpaw == 1 ? 52 : 48;
    }

    /** The SHARED bit position of a GPA: 51 with GPAW, else 47. */
    public int sharedBit() {
        return gpaWidth() - 1;
    }
}
