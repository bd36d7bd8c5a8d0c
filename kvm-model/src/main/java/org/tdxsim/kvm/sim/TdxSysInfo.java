package org.tdxsim.kvm.sim;

import com.google.common.collect.ImmutableList;
import java.util.OptionalLong;
import org.tdxsim.module.SeamcallResult;
import org.tdxsim.module.TdxModule;

/**
 * What Linux reads from the TDX module with TDH.SYS.RD at bring-up ({@code struct tdx_sys_info},
 * {@code tdx_global_metadata.c}): the kernel's whole knowledge of the module. Field ids are those
 * of tdx-module-abi.md §6.3 ("the kernel reads exactly these IDs").
 *
 * @param features0 TDX_FEATURES0 (§6.4)
 * @param cpuidConfigLeaves CPUID_CONFIG_LEAVES[i]: leaf | subleaf &lt;&lt; 32 (subleaf 0xFFFFFFFF = none)
 * @param cpuidConfigValues CPUID_CONFIG_VALUES[i] as {ebx:eax, edx:ecx} pairs (configurable masks, §5.3)
 * @param maxVcpusPerTd MAX_VCPUS_PER_TD, or 0xFFFF when the module lacks the field (1.5.01; [LNX]
 *        comment "old modules may lack it")
 * @param configFlagsFixed0 CONFIG_FLAGS_FIXED0 (§3.6); only {@link GpawPolicy#PUCK_STRICT} looks at it
 */
public record TdxSysInfo(long features0, long attributesFixed0, long attributesFixed1, long xfamFixed0,
                         long xfamFixed1, ImmutableList<Long> cpuidConfigLeaves,
                         ImmutableList<long[]> cpuidConfigValues, int maxVcpusPerTd, long tdrBaseSize,
                         long tdcsBaseSize, long tdvpsBaseSize, OptionalLong configFlagsFixed0) {

    // Field ids, tdx-module-abi.md §6.3.
    static final long TDX_FEATURES0 = 0x0A00000300000008L;
    static final long ATTRIBUTES_FIXED0 = 0x1900000300000000L;
    static final long ATTRIBUTES_FIXED1 = 0x1900000300000001L;
    static final long XFAM_FIXED0 = 0x1900000300000002L;
    static final long XFAM_FIXED1 = 0x1900000300000003L;
    static final long NUM_CPUID_CONFIG = 0x9900000100000004L;
    static final long CONFIG_FLAGS_FIXED0 = 0x9900000300000006L;
    static final long MAX_VCPUS_PER_TD = 0x9900000100000008L;
    static final long CPUID_CONFIG_LEAVES = 0x9900000300000400L;
    static final long CPUID_CONFIG_VALUES = 0x9900000300000500L;
    static final long TDR_BASE_SIZE = 0x9800000100000000L;
    static final long TDCS_BASE_SIZE = 0x9800000100000100L;
    static final long TDVPS_BASE_SIZE = 0x9800000100000200L;

    /** TDX_FEATURES0.NO_RBP_MOD (bit 18): Linux refuses modules without it (§6.4). */
    public static final long FEATURES0_NO_RBP_MOD = 1L << 18;
    /** TDX_FEATURES0.TOPOLOGY_ENUM (bit 20): KVM requires it ({@code MD_FIELD_ID_FEATURES0_TOPOLOGY_ENUM}). */
    public static final long FEATURES0_TOPOLOGY_ENUM = 1L << 20;

    /** {@code num_cpuid_config}. */
    public int numCpuidConfig() {
        return cpuidConfigLeaves.size();
    }

    /** TDCS pages per TD ({@code tdcs_base_size / PAGE_SIZE}). */
    public int tdcsNrPages() {
        return (int) (tdcsBaseSize / 4096);
    }

    /** TDCX pages per vCPU ({@code tdvps_base_size / PAGE_SIZE - 1}: TDVPS = TDVPR + TDCX pages). */
    public int tdcxNrPages() {
        return (int) (tdvpsBaseSize / 4096) - 1;
    }

    /** Outcome of reading the metadata: the info, or why the read failed. */
    sealed interface ReadResult permits Read, Failed {}

    record Read(TdxSysInfo info) implements ReadResult {}

    record Failed(String reason) implements ReadResult {}

    /** Reads every field with TDH.SYS.RD, like {@code get_tdx_sys_info()}; the first failure aborts. */
    static ReadResult read(TdxModule m) {
        try {
            long f0 = rd(m, TDX_FEATURES0, "TDX_FEATURES0");
            long a0 = rd(m, ATTRIBUTES_FIXED0, "ATTRIBUTES_FIXED0");
            long a1 = rd(m, ATTRIBUTES_FIXED1, "ATTRIBUTES_FIXED1");
            long x0 = rd(m, XFAM_FIXED0, "XFAM_FIXED0");
            long x1 = rd(m, XFAM_FIXED1, "XFAM_FIXED1");
            int n = (int) rd(m, NUM_CPUID_CONFIG, "NUM_CPUID_CONFIG");
            ImmutableList.Builder<Long> leaves = ImmutableList.builder();
            ImmutableList.Builder<long[]> values = ImmutableList.builder();
            for (int i = 0; i < n; i++) {
                leaves.add(rd(m, CPUID_CONFIG_LEAVES + i, "CPUID_CONFIG_LEAVES[" + i + "]"));
                values.add(new long[] {
                        rd(m, CPUID_CONFIG_VALUES + 2L * i, "CPUID_CONFIG_VALUES[" + i + "][0]"),
                        rd(m, CPUID_CONFIG_VALUES + 2L * i + 1, "CPUID_CONFIG_VALUES[" + i + "][1]")});
            }
            SeamcallResult mv = m.tdhSysRd(MAX_VCPUS_PER_TD);
            int maxVcpus = mv.isSuccess() ? (int) mv.r8() : 0xFFFF;
            SeamcallResult cf = m.tdhSysRd(CONFIG_FLAGS_FIXED0);
            OptionalLong cf0 = cf.isSuccess() ? OptionalLong.of(cf.r8()) : OptionalLong.empty();
            long tdr = rd(m, TDR_BASE_SIZE, "TDR_BASE_SIZE");
            long tdcs = rd(m, TDCS_BASE_SIZE, "TDCS_BASE_SIZE");
            long tdvps = rd(m, TDVPS_BASE_SIZE, "TDVPS_BASE_SIZE");
            return new Read(new TdxSysInfo(f0, a0, a1, x0, x1, leaves.build(), values.build(), maxVcpus,
                    tdr, tdcs, tdvps, cf0));
        } catch (ReadFailure f) {
            return new Failed(f.getMessage());
        }
    }

    private static long rd(TdxModule m, long fieldId, String name) {
        SeamcallResult r = m.tdhSysRd(fieldId);
        if (!r.isSuccess()) {
            throw new ReadFailure("TDH.SYS.RD of " + name + String.format(" (0x%016X)", fieldId) + " failed: "
                    + r.status() + " — " + r.explanation().summary());
        }
        return r.r8();
    }

    private static final class ReadFailure extends RuntimeException {
        ReadFailure(String m) {
            super(m, null, false, false);
        }
    }
}
