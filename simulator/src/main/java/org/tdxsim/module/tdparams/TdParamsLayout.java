package org.tdxsim.module.tdparams;

import org.tdxsim.module.profile.ModuleProfile;

/**
 * Byte layout of TD_PARAMS for one module version (abi §3.1 for 1.5/2.0, §3.2 for 1.0): 1024 bytes,
 * little-endian, N = MAX_NUM_CPUID_CONFIG 16-byte CPUID values at 0x100.
 *
 * @param v10              1.0 layout: 0x12..0x17 reserved0[6], EXEC_CONTROLS at 0x20, reserved2[32] at 0xE0
 * @param numCpuidConfig   N
 */
public record TdParamsLayout(boolean v10, int numCpuidConfig) {

    public static final int SIZE = 1024;
    public static final int OFF_ATTRIBUTES = 0x000;
    public static final int OFF_XFAM = 0x008;
    public static final int OFF_MAX_VCPUS = 0x010;
    public static final int OFF_NUM_L2_VMS = 0x012;
    public static final int OFF_MSR_CONFIG_CTLS = 0x013;
    public static final int OFF_EPTP_CONTROLS = 0x018;
    public static final int OFF_CONFIG_FLAGS = 0x020;
    public static final int OFF_TSC_FREQUENCY = 0x028;
    public static final int OFF_RESERVED1 = 0x02A;
    public static final int RESERVED1_SIZE = 38;
    public static final int OFF_MRCONFIGID = 0x050;
    public static final int OFF_MROWNER = 0x080;
    public static final int OFF_MROWNERCONFIG = 0x0B0;
    public static final int MEASUREMENT_SIZE = 48;
    public static final int OFF_IA32_ARCH_CAPABILITIES_CONFIG = 0x0E0;
    public static final int OFF_CPUID_CONFIG = 0x100;

    public static TdParamsLayout of(ModuleProfile m) {
        return new TdParamsLayout(m.version().is1_0(), m.maxNumCpuidConfig());
    }

    /**
     * @throws IllegalArgumentException if {@code numCpuidConfig} is outside 0..48 ((1024 - 0x100) / 16);
     *     a loaded module profile never is: {@code ModuleProfiles.load} rejects more than 48 entries
     */
    public TdParamsLayout {
        if (numCpuidConfig < 0 || numCpuidConfig > 48) {
            throw new IllegalArgumentException("MAX_NUM_CPUID_CONFIG out of range: " + numCpuidConfig);
        }
    }

    /** reserved0: 0x14..0x17 (1.5+), 0x12..0x17 (1.0). */
    public int reserved0Offset() {
        return v10 ? 0x012 : 0x014;
    }

    public int reserved0Size() {
        return v10 ? 6 : 4;
    }

    /** reserved2: 0xE8..0xFF (1.5+), 0xE0..0xFF (1.0). */
    public int reserved2Offset() {
        return v10 ? 0x0E0 : 0x0E8;
    }

    public int reserved2Size() {
        return v10 ? 32 : 24;
    }

    public int reserved3Offset() {
        return OFF_CPUID_CONFIG + 16 * numCpuidConfig;
    }

    public int reserved3Size() {
        return SIZE - reserved3Offset();
    }
}
