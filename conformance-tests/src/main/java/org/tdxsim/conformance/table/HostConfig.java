package org.tdxsim.conformance.table;

/**
 * The host side of one decision-table row: a shipped platform profile with the three knobs that enter
 * the GPAW decision varied.
 *
 * @param basePlatform the platform profile the variant was made from
 * @param maxPhysAddr native CPUID 0x80000008 EAX[7:0] (raw, bare-metal MAXPHYADDR)
 * @param ept5Level IA32_VMX_EPT_VPID_CAP bit 7 (5-level EPT page walk)
 * @param la57 CPUID.7.0:ECX[16] (5-level paging; drives 0x80000008 EAX[15:8] = 57 or 48)
 */
public record HostConfig(String basePlatform, int maxPhysAddr, boolean ept5Level, boolean la57) {

    /** Short label for tables: {@code MAXPA 52 · EPT5 · LA57}. */
    public String label() {
        return "MAXPA " + maxPhysAddr + " · " + (ept5Level ? "EPT5" : "EPT4") + " · " + (la57 ? "LA57" : "LA48");
    }
}
