package org.tdxsim.benchmarks.module;

import java.util.Map;
import java.util.TreeMap;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.tdparams.PlatformRuntime;
import org.tdxsim.module.tdparams.TdParams;
import org.tdxsim.module.tdparams.TdParamsCheckResult;
import org.tdxsim.module.tdparams.TdhMngInitChecks;

/**
 * A realistic, accepted TD_PARAMS for the module benchmarks: what QEMU asks for on a host, i.e.
 * ATTRIBUTES SEPT_VE_DISABLE, XFAM x87|SSE|AVX|AVX-512 where the host has them, 4 vCPUs, and every
 * CPUID_CONFIG entry set to the host's native value filtered to the bits TD_PARAMS may carry
 * ({@code configDirect | allowDirect}, abi §4.1 row 22). An input the module rejects would measure
 * the early-exit path instead, so {@link #acceptedParams} verifies acceptance and drops to less
 * ambitious values if needed.
 */
public final class Inputs {

    /** {@code SEPT_VE_DISABLE}, TD ATTRIBUTES bit 28 (abi §3.4). */
    static final long ATTR_SEPT_VE_DISABLE = 1L << 28;
    /** XFAM x87|SSE|AVX|opmask|ZMM_Hi256|Hi16_ZMM (bits 0,1,2,5,6,7; SDM Vol. 1 §13.1). */
    static final long XFAM_AVX512 = 0xE7;
    /** XFAM x87|SSE: XFAM_FIXED1, always valid. */
    static final long XFAM_FIXED1 = 0x3;
    static final int VCPUS = 4;

    private Inputs() {}

    /** The CPUID request: per configurable leaf, the host's value ∩ what TD_PARAMS may carry. */
    public static Map<CpuidLeaf, CpuidRegs> cpuidRequest(ModuleProfile m, PlatformProfile p) {
        Map<CpuidLeaf, CpuidRegs> req = new TreeMap<>();
        for (CpuidConfigurableEntry c : m.cpuidConfigurable()) {
            req.put(c.cpuidLeaf(), p.cpuid(c.leaf(), c.subleaf()).and(c.allowedInTdParams()));
        }
        return req;
    }

    /** XFAM the bench asks for: AVX-512 if the platform's XCR0 has it, else XFAM_FIXED1. */
    public static long xfam(PlatformProfile p) {
        return (p.supportedXcr0() & XFAM_AVX512) == XFAM_AVX512 ? XFAM_AVX512 : XFAM_FIXED1;
    }

    /** An accepted TD_PARAMS (see the class comment); throws if even the plain one is rejected. */
    public static TdParams acceptedParams(ModuleProfile m, PlatformProfile p, int numTdcx) {
        TdParams.Builder rich = TdParams.builder(m).attributes(ATTR_SEPT_VE_DISABLE).xfam(xfam(p)).maxVcpus(VCPUS);
        int i = 0;
        for (CpuidConfigurableEntry c : m.cpuidConfigurable()) {
            rich.cpuidConfig(i++, p.cpuid(c.leaf(), c.subleaf()).and(c.allowedInTdParams()));
        }
        TdParams[] candidates = {
            rich.build(),
            TdParams.builder(m).attributes(ATTR_SEPT_VE_DISABLE).xfam(xfam(p)).maxVcpus(VCPUS).build(),
            TdParams.builder(m).maxVcpus(VCPUS).build(),
        };
        StringBuilder why = new StringBuilder();
        for (TdParams t : candidates) {
            TdParamsCheckResult r = TdhMngInitChecks.check(m, p, PlatformRuntime.STEADY, t, numTdcx);
            if (r instanceof TdParamsCheckResult.Accepted) {
                return t;
            }
            why.append("\n  ").append(((TdParamsCheckResult.Rejected) r).explanation());
        }
        throw new IllegalStateException("no benchmark TD_PARAMS accepted by module " + m.version() + " on "
                + p.name() + ":" + why);
    }

    /** TDR.NUM_TDCX a TD gets from KVM: MIN_NUM_TDCS_PAGES (1.0: MAX_NUM_TDCS_PAGES), abi §7.3. */
    public static int minTdcsPages(ModuleProfile m) {
        return (int) m.constant("MIN_NUM_TDCS_PAGES").orElse(m.constant("MAX_NUM_TDCS_PAGES").orElse(4));
    }
}
