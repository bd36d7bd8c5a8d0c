package org.tdxsim.module;

import org.tdxsim.module.cpuid.CpuidRegs;

/**
 * The platform facts the SEAMCALL engine consumes, adapted from a {@code PlatformProfile}
 * ({@link PlatformViews#of}). Kept as one narrow seam so the engine does not depend on how platform
 * profiles are stored.
 */
interface PlatformView {

    String name();

    /** Native CPUID of logical processor 0 (all LPs are modelled as identical). */
    CpuidRegs cpuid(int leaf, int subleaf);

    /** Native MAXPA, CPUID(0x80000008).EAX[7:0]. */
    int maxPa();

    /** CPUID(7,0).ECX[16]. */
    boolean la57();

    /** IA32_VMX_EPT_VPID_CAP bit 7 (page-walk length 5). */
    boolean ept5Level();

    long xcr0Supported();

    long xssSupported();

    int numPackages();

    int numLps();

    /** Package of a logical processor (LPs are spread evenly, package-major). */
    default int packageOf(int lp) {
        return lp / Math.max(1, numLps() / numPackages());
    }

    /** IA32_MKTME_KEYID_PARTITIONING.NUM_MKTME_KIDS (abi §7.4). */
    int numMktmeKids();

    /** IA32_MKTME_KEYID_PARTITIONING.NUM_TDX_PRIV_KIDS (abi §7.4). */
    int numTdxPrivKids();

    /** IA32_TME_ACTIVATE.MK_TME_KEYID_BITS: HKID bits taken from the top of the physical address. */
    int keyIdBits();

    /** IA32_MISC_ENABLE bit 22 (LIMIT_CPUID_MAXVAL / BOOT_NT4) as the BIOS left it. */
    boolean limitCpuidMaxval();

    /** Native TSC frequency in Hz (for TSC_MULTIPLIER); 0 if unknown. */
    long nativeTscHz();
}
