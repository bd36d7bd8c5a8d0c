package org.tdxsim.kvm.sim;

import com.google.common.primitives.ImmutableLongArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.tdparams.ByteBlock;
import org.tdxsim.module.tdparams.TdParams;

/**
 * The fields of {@code struct td_params} that KVM fills for TDH.MNG.INIT (kvm-tdx-uapi.md §2
 * "Internal struct td_params", 6.16 column); every other byte is zero. The bytes are produced by the
 * project's one TD_PARAMS codec, {@link TdParams}.
 *
 * @param cpuidValues {eax, ebx, ecx, edx} per module CPUID_CONFIG slot (all-zero = not configured)
 */
record KvmTdParams(long attributes, long xfam, int maxVcpus, long eptpControls, long configFlags,
                   int tscFrequency, ImmutableLongArray mrconfigid, ImmutableLongArray mrowner,
                   ImmutableLongArray mrownerconfig, int[][] cpuidValues) {

    /** {@code TDX_CONFIG_FLAGS_MAX_GPAW} BIT(0), {@code TDX_CONFIG_FLAGS_NO_RBP_MOD} BIT(2) (§2 [S10]). */
    static final long CONFIG_FLAGS_MAX_GPAW = 1L << 0;
    static final long CONFIG_FLAGS_NO_RBP_MOD = 1L << 2;

    /** The codec value for {@code module}'s layout. */
    TdParams toTdParams(ModuleProfile module) {
        TdParams.Builder b = TdParams.builder(module)
                .attributes(attributes)
                .xfam(xfam)
                .maxVcpus(maxVcpus)
                .eptpControls(eptpControls)
                .configFlags(configFlags)
                .tscFrequency(tscFrequency)
                .mrConfigId(sha384(mrconfigid))
                .mrOwner(sha384(mrowner))
                .mrOwnerConfig(sha384(mrownerconfig));
        for (int i = 0; i < cpuidValues.length; i++) {
            int[] v = cpuidValues[i];
            b.cpuidConfig(i, new CpuidRegs(v[0], v[1], v[2], v[3]));
        }
        return b.build();
    }

    /** The 1024 TD_PARAMS bytes. */
    byte[] encode(ModuleProfile module) {
        return toTdParams(module).encode();
    }

    private static ByteBlock sha384(ImmutableLongArray words) {
        ByteBuffer bb = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < words.length(); i++) {
            bb.putLong(words.get(i));
        }
        return ByteBlock.of(bb.array());
    }
}
