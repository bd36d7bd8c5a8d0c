package org.tdxsim.kvm.sim;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import com.google.common.primitives.ImmutableLongArray;
import java.lang.foreign.MemorySegment;

/**
 * The fields of {@code struct td_params} that KVM fills for TDH.MNG.INIT (kvm-tdx-uapi.md §2
 * "Internal struct td_params", 6.16 column); every other byte is zero. {@link #encode()} produces the
 * 1024 bytes.
 *
 * @param cpuidValues {eax, ebx, ecx, edx} per module CPUID_CONFIG slot (all-zero = not configured)
 */
record KvmTdParams(long attributes, long xfam, int maxVcpus, long eptpControls, long configFlags,
                   int tscFrequency, ImmutableLongArray mrconfigid, ImmutableLongArray mrowner,
                   ImmutableLongArray mrownerconfig, int[][] cpuidValues) {

    static final int SIZE = 1024;
    /** {@code TDX_CONFIG_FLAGS_MAX_GPAW} BIT(0), {@code TDX_CONFIG_FLAGS_NO_RBP_MOD} BIT(2) (§2 [S10]). */
    static final long CONFIG_FLAGS_MAX_GPAW = 1L << 0;
    static final long CONFIG_FLAGS_NO_RBP_MOD = 1L << 2;

    /** The 1024 TD_PARAMS bytes at the offsets of §2 (attributes@0 … cpuid_values@256, 16 B per slot). */
    byte[] encode() {
        byte[] out = new byte[SIZE];
        MemorySegment s = MemorySegment.ofArray(out);
        s.set(JAVA_LONG.withByteAlignment(1), 0, attributes);
        s.set(JAVA_LONG.withByteAlignment(1), 8, xfam);
        s.set(JAVA_SHORT.withByteAlignment(1), 16, (short) maxVcpus);
        s.set(JAVA_LONG.withByteAlignment(1), 24, eptpControls);
        s.set(JAVA_LONG.withByteAlignment(1), 32, configFlags);
        s.set(JAVA_SHORT.withByteAlignment(1), 40, (short) tscFrequency);
        for (int i = 0; i < 6; i++) {
            s.set(JAVA_LONG.withByteAlignment(1), 80 + 8L * i, mrconfigid.get(i));
            s.set(JAVA_LONG.withByteAlignment(1), 128 + 8L * i, mrowner.get(i));
            s.set(JAVA_LONG.withByteAlignment(1), 176 + 8L * i, mrownerconfig.get(i));
        }
        for (int i = 0; i < cpuidValues.length; i++) {
            for (int r = 0; r < 4; r++) {
                s.set(JAVA_INT.withByteAlignment(1), 256 + 16L * i + 4L * r, cpuidValues[i][r]);
            }
        }
        return out;
    }
}
