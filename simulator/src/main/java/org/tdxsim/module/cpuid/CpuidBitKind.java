package org.tdxsim.module.cpuid;

/**
 * How the module decides one CPUID bit of a TD (abi §5.1-§5.5). Intel's specification uses finer
 * categories (abi §5.1 lists them, from a non-authoritative source); these are the mechanisms
 * visible in the module's tables and code.
 */
public enum CpuidBitKind {
    /** Always 0 for a TD (lookup FIXED0_OR_DYNAMIC, or forced 0 by code such as KL). */
    FIXED0,
    /** Always 1 for a TD (lookup FIXED1). */
    FIXED1,
    /** CONFIG_DIRECT: taken verbatim from TD_PARAMS.CPUID_CONFIG. */
    CONFIGURABLE,
    /** ALLOW_DIRECT: the native bit, only if TD_PARAMS sets it (else 0). */
    ALLOWED_IF_NATIVE,
    /** Cleared (or set) by TD_PARAMS.XFAM bits. */
    XFAM_DERIVED,
    /** Set from TD_PARAMS.ATTRIBUTES bits. */
    ATTRIBUTES_DERIVED,
    /** Computed by the module (0xD sizes, 0x15 TSC, 0x80000008 widths, F/M/S = 0, ...). */
    CALCULATED,
    /** The native value passes through unchanged. */
    NATIVE,
    /** The leaf is marked faulting: guest CPUID gets #VE. */
    FAULTING,
    /** The leaf/subleaf is not in the lookup table: guest CPUID gets #VE. */
    NOT_VIRTUALIZED
}
