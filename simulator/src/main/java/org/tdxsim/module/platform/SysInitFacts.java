package org.tdxsim.module.platform;

import com.google.common.collect.ImmutableList;
import java.util.OptionalLong;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.TdxFeatures0;

/**
 * What a module version fixes from the platform at TDH.SYS.INIT / TDH.SYS.CONFIG: the run-time
 * adjusted fixed masks, the adjusted native CPUID table and the values TDH.SYS.RD / TDH.SYS.INFO
 * report. Pure functions of (module profile, platform profile); the SEAMCALL engine and the
 * TD_PARAMS checks use the same numbers.
 */
public record SysInitFacts(ModuleProfile module, PlatformProfile platform) {

    /** ATTRIBUTES bit 27 LASS (abi §3.4). */
    public static final int ATTR_LASS = 27;
    /** ATTRIBUTES bit 62 TPA (abi §3.4, 2.0). */
    public static final int ATTR_TPA = 62;

    /**
     * ATTRIBUTES_FIXED0 as enforced and reported: the compile-time {@code TDX_ATTRIBUTES_FIXED0}
     * with bit 27 (LASS) cleared when the CPU lacks LASS (1.5.06+, [M1.5.06]/[M2.0]
     * {@code tdh_sys_init.c}) and bit 62 (TPA) cleared unless TDX Connect is supported (2.0.08:
     * "sets bit 62 only if TDX IO/Connect is supported"). Module-data README "Run-time adjustments".
     */
    public long attributesFixed0() {
        long v = module.constant("TDX_ATTRIBUTES_FIXED0").orElse(0);
        if (module.version().isAtLeast(1, 5, 6) && !platform.lass()) {
            v &= ~(1L << ATTR_LASS);
        }
        if (module.version().isAtLeast(2, 0, 0) && !platform.tdxConnect()) {
            v &= ~(1L << ATTR_TPA);
        }
        return v;
    }

    public long attributesFixed1() {
        return module.constant("TDX_ATTRIBUTES_FIXED1").orElse(0);
    }

    /** {@code TDX_XFAM_FIXED0 & (XCR0-supported | IA32_XSS-supported)} (abi §4.1 row 9, §6.3). */
    public long xfamFixed0() {
        return module.constant("TDX_XFAM_FIXED0").orElse(0) & (platform.supportedXcr0() | platform.supportedXss());
    }

    public long xfamFixed1() {
        return module.constant("TDX_XFAM_FIXED1").orElse(0);
    }

    /**
     * CONFIG_FLAGS allowed-1 mask. 1.0 has no CONFIG_FLAGS_FIXED0: EXEC_CONTROLS allows only bit 0
     * (module-data {@code effectiveAllowedMask}).
     */
    public long configFlagsFixed0() {
        OptionalLong v = module.constant("CONFIG_FLAGS_FIXED0");
        if (v.isPresent()) {
            return v.getAsLong();
        }
        return module.constantInfo("CONFIG_FLAGS_FIXED0").flatMap(c -> c.effectiveAllowedMask().isPresent()
                ? java.util.Optional.of(c.effectiveAllowedMask().getAsLong()) : java.util.Optional.empty()).orElse(1L);
    }

    /**
     * CONFIG_FLAGS_FIXED1 (0 in every version; the GPAW-bit clearing when native MAXPA ≤ 48 has no
     * effect on 0, abi §3.6).
     */
    public long configFlagsFixed1() {
        return module.constant("CONFIG_FLAGS_FIXED1").orElse(0);
    }

    /**
     * The native CPUID value the module keeps for lookup entry {@code e} after TDH.SYS.CONFIG
     * ({@code complete_cpuid_handling}, abi §5.2): {@code (native & ~fixed0OrDynamic) | fixed1}.
     */
    public CpuidRegs adjustedNative(CpuidLookupEntry e) {
        return platform.cpuid(e.leaf(), e.subleaf()).andNot(e.fixed0OrDynamic()).or(e.fixed1());
    }

    /**
     * The per-configurable-leaf value the host reads (abi §5.3): TDH.SYS.INFO in every version and
     * TDH.SYS.RD CPUID_CONFIG_VALUES in 1.5.06+/2.0 report {@code configDirect | (allowDirect &
     * adjustedNative)}; 1.5.01's TDH.SYS.RD reports {@code configDirect} only ({@code forSysRd} = true
     * selects that 1.5.01 behaviour).
     */
    public CpuidRegs reportedConfigurable(CpuidConfigurableEntry c, boolean forSysRd) {
        if (forSysRd && module.version().major() == 1 && module.version().minor() == 5
                && !module.version().isAtLeast(1, 5, 6)) {
            return c.configDirect();
        }
        CpuidLookupEntry e = module.lookupEntryAt(c.lookupIndex()).orElseThrow();
        return c.configDirect().or(c.allowDirect().and(adjustedNative(e)));
    }

    /** Reported values of every configurable entry, in CPUID_CONFIG order. */
    public ImmutableList<CpuidRegs> reportedConfigurable(boolean forSysRd) {
        return module.cpuidConfigurable().stream().map(c -> reportedConfigurable(c, forSysRd))
                .collect(ImmutableList.toImmutableList());
    }

    /**
     * TDX_FEATURES0 on this platform (abi §6.4): unconditional bits plus the conditional ones whose
     * condition the platform meets: LOCAL_ATTESTATION (8) with SEAMVERIFYREPORT; TDX_IO (6) and
     * TDX_CONNECT_PARTITIONING (32) with TDX Connect; CONFIG_IA32_ARCH_CAP (11) unless the platform
     * is a Granite Rapids A0 stepping (family 6 model 0xAD/0xAE stepping 0 assumed = A0; none of
     * the built-in platforms is). Empty for 1.0 (no TDH.SYS.RD).
     */
    public OptionalLong tdxFeatures0() {
        if (module.tdxFeatures0().isEmpty()) {
            return OptionalLong.empty();
        }
        TdxFeatures0 f = module.tdxFeatures0().get();
        long v = f.valueWithNoConditionalBits();
        for (TdxFeatures0.ConditionalBit b : f.conditionalBits()) {
            boolean on = switch (b.name()) {
                case "LOCAL_ATTESTATION" -> platform.seamVerifyReport();
                case "TDX_IO", "TDX_CONNECT_PARTITIONING" -> platform.tdxConnect();
                case "CONFIG_IA32_ARCH_CAP" -> !graniteRapidsA0();
                default -> false;
            };
            if (on) {
                v |= 1L << b.bit();
            }
        }
        return OptionalLong.of(v);
    }

    /**
     * [M2.0] {@code is_not_gnr_a0_stepping()} negated: 2.0.08 leaves out TDX_FEATURES0 bit 11 and
     * TDH.MNG.INIT's IA32_ARCH_CAPABILITIES_CONFIG check (abi §4.1 row 25) on such a CPU. The
     * helper's definition is not in the source index; family 6 model 0xAD/0xAE stepping 0 is the
     * module-data guess ("not on GNR A0 stepping", module-data README TDX_FEATURES0 table).
     */
    public boolean graniteRapidsA0() {
        return platform.family() == 6 && (platform.model() == 0xAD || platform.model() == 0xAE)
                && platform.stepping() == 0;
    }

    /** Native MAXPA as the module samples it: CPUID(0x80000008).EAX[7:0]. */
    public int nativeMaxPa() {
        return platform.maxPhysAddr();
    }
}
