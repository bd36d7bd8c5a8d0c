package org.tdxsim.module.tdparams;

/**
 * Platform facts that change at run time and that TDH.MNG.INIT samples (not part of the static
 * {@link org.tdxsim.module.platform.PlatformProfile}).
 *
 * @param tscAdjustChanged IA32_TSC_ADJUST differs from its value at TDH.SYS.INIT (abi §4.1 row 17
 *                         → {@code TDX_INCONSISTENT_MSR | 0x3B})
 */
public record PlatformRuntime(boolean tscAdjustChanged) {

    public static final PlatformRuntime STEADY = new PlatformRuntime(false);
}
