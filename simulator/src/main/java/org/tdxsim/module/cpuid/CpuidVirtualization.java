package org.tdxsim.module.cpuid;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.SysInitFacts;
import org.tdxsim.module.profile.AllowedFms;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.XfamMaskTable;
import org.tdxsim.module.status.Explanation;

/**
 * The module's CPUID virtualization at TDH.MNG.INIT: {@code read_and_set_cpuid_configurations}
 * ([M1.0]/[M1.5.x]/[M2.0] {@code tdh_mng_init.c}; abi §5.2 formula, §5.4 leaf rules, §5.5
 * 0x80000008) including the refusals of abi §4.1 rows 22a-22e.
 *
 * <p>For every lookup entry, in index order: start from the adjusted native value
 * {@code (native & ~FIXED0_OR_DYNAMIC) | FIXED1}; for a configurable entry reject any TD_PARAMS
 * 1-bit outside {@code CONFIG_DIRECT | ALLOW_DIRECT}, replace the CONFIG_DIRECT bits by the TD_PARAMS
 * value and AND the ALLOW_DIRECT bits with it; then apply the leaf rule. Version differences:
 * <ul>
 *   <li>1.0 applies only the 0xD.0 ECX size, the 0xD.1 XFD bit and 0x15 (EAX = 1, EBX =
 *       TSC_FREQUENCY) rules; it applies no XFAM mask table at TDH.MNG.INIT ([M1.0]
 *       {@code tdh_mng_init.c}; the digest's §5.4 "0xD/0 XFAM masks: all" is contradicted by that
 *       source, which we follow).</li>
 *   <li>1.5.01 adds the XFAM masks, F/M/S, TSX, PKS/KL, PERFMON (0xA), 0xD.n, 0x14, 0x19, 0x1C,
 *       0x1D, 0x5 and 0x80000008 linear-width rules.</li>
 *   <li>1.5.06 adds LASS := ATTRIBUTES.LASS, 0x1A for migratable TDs, 0x23 (PERFMON and
 *       CPUID(7,1).EAX[8]) and MAXPA_VIRT; 2.0.08 adds MAXGPA_VIRT and the 0x23 sub-leaf bitmap
 *       ({@code leaf23Subleaf20}).</li>
 * </ul>
 * TDCS.CPUID_VALID per lookup slot (abi §6.5; not in the digest's formula): 2.0.08 sets it to 1 for
 * every slot ([M2.0] {@code tdh_mng_init.c} at 1666adc4: {@code cpuid_valid[cpuid_index] = true} for
 * each of the MAX_NUM_CPUID_LOOKUP slots); 1.5.06 to 1 for a valid entry that is not faulting, 0
 * otherwise ([M1.5.06] {@code tdh_mng_init.c} at 1e636985); older versions to {@code !faulting} for
 * every slot ([M1.5.05] {@code tdh_mng_init.c} at e98d9639). A faulting leaf stays unreadable through
 * TDH.MNG.RD by its faulting flag (abi §6.2), whatever CPUID_VALID says; note that [M2.0]
 * {@code metadata_td.c} no longer checks that flag, which is moot for the shipped 2.0.08 table: it
 * has no faulting entry.
 *
 * <p>Row 23 (CPUID 0x1F topology, {@code check_cpuid_1f}) is not examined in the spec: only its
 * stated part is implemented, "configured as all-0 = use the hardware values", for 1.5.06+; no
 * topology consistency check is made and CPUID(0xB) keeps its adjusted native value.
 */
public final class CpuidVirtualization {

    /** MIN_VIRT_MAXPA when the profile lacks the constant (abi §5.5, x86_defs.h). */
    private static final int DEFAULT_MIN_VIRT_MAXPA = 45;

    private CpuidVirtualization() {
    }

    /** Which leaf rules a module version applies. */
    record Version(boolean v10, boolean v15, boolean v1506, boolean v20) {
        static Version of(ModuleProfile m) {
            return new Version(m.version().is1_0(), !m.version().is1_0(), m.version().isAtLeast(1, 5, 6),
                    m.version().isAtLeast(2, 0, 0));
        }
    }

    /**
     * Runs the computation (abi §5.2); never throws for any inputs.
     *
     * <p>The result is a pure function of the two immutable profiles and the (immutable) inputs, so the
     * last 64 distinct inputs per (module, platform) are remembered: TDs
     * created with the same TD_PARAMS CPUID inputs (a VMM's usual case) share one immutable result.
     */
    public static CpuidComputation compute(ModuleProfile m, PlatformProfile p, CpuidInputs in) {
        PlatformTables t = PlatformTables.of(m, p);
        InputsKey key = new InputsKey(in);
        CpuidComputation c = t.results.get(key);
        if (c == null) {
            c = new Run(m, p, in, t).run();
            if (t.results.size() >= PlatformTables.MAX_RESULTS) {
                t.results.clear();
            }
            t.results.put(key, c);
        }
        return c;
    }

    /**
     * {@link CpuidInputs} as a hash key with the same equality (every field, every CPUID_CONFIG
     * register), compared directly: the records' generated equals/hashCode go through method-handle
     * chains that the C1 compiler (the launcher's JIT) does not inline.
     */
    private static final class InputsKey {
        private final long attributes;
        private final long xfam;
        private final long configFlags;
        private final int tscFrequency;
        private final int[] config;
        private final int hash;

        InputsKey(CpuidInputs in) {
            attributes = in.attributes();
            xfam = in.xfam();
            configFlags = in.configFlags();
            tscFrequency = in.tscFrequency();
            config = new int[4 * in.cpuidConfig().size()];
            for (int i = 0; i < in.cpuidConfig().size(); i++) {
                CpuidRegs r = in.cpuidConfig().get(i);
                config[4 * i] = r.eax();
                config[4 * i + 1] = r.ebx();
                config[4 * i + 2] = r.ecx();
                config[4 * i + 3] = r.edx();
            }
            hash = ((Long.hashCode(attributes) * 31 + Long.hashCode(xfam)) * 31 + Long.hashCode(configFlags)) * 31
                    + tscFrequency + 31 * Arrays.hashCode(config);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof InputsKey k && k.hash == hash && k.attributes == attributes && k.xfam == xfam
                    && k.configFlags == configFlags && k.tscFrequency == tscFrequency && Arrays.equals(k.config, config);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * Maximum XSAVE area size for the user components enabled in {@code xcr0}: what CPUID(0xD,0).EBX
     * returns with that XCR0 (the module sets XCR0 = XFAM user bits and executes CPUID, abi §5.4).
     * Modelled from the platform's native CPUID(0xD, n): {@code max(576, max over enabled n >= 2 of
     * offset EBX_n + size EAX_n)} (legacy area 512 + XSAVE header 64, standard format, SDM Vol. 1 §13.4).
     */
    public static int xsaveMaxSize(PlatformProfile p, long xcr0) {
        int size = 512 + 64;
        for (int n = 2; n < 63; n++) {
            if ((xcr0 >>> n & 1) != 0) {
                CpuidRegs r = p.cpuid(0xD, n);
                if (r.eax() != 0) {
                    size = Math.max(size, r.ebx() + r.eax());
                }
            }
        }
        return size;
    }

    /** Components whose native CPUID(0xD,n).ECX[2] says XFD is supported ({@code xfd_faulting_mask}). */
    public static long xfdCapableMask(PlatformProfile p) {
        long mask = 0;
        for (int n = 2; n < 63; n++) {
            if (p.cpuid(0xD, n).bit(CpuidReg.ECX, 2)) {
                mask |= 1L << n;
            }
        }
        return mask;
    }

    /** The native F/M/S the module uses for "CPUID(1).EAX = 0" ({@code platform_fms}). */
    public static int platformFms(ModuleProfile m, PlatformProfile p) {
        return PlatformTables.of(m, p).platformFms;
    }

    /**
     * The parts of the computation that depend only on (module, platform), derived once per pair
     * rather than on every TDH.MNG.INIT: the adjusted native value of each lookup entry (abi §5.2),
     * CPUID(0xD, n) extents for {@link #xsaveMaxSize}, {@link #xfdCapableMask} and the platform F/M/S.
     * Both profiles are immutable. Platforms are held weakly and by identity; a value keeps no
     * reference to its platform, so a dropped platform's tables go with it.
     */
    private static final class PlatformTables {
        private static final LoadingCache<PlatformProfile, ConcurrentHashMap<ModuleProfile, PlatformTables>> CACHE =
                CacheBuilder.newBuilder().weakKeys().build(CacheLoader.from(p -> new ConcurrentHashMap<>()));

        /** Adjusted native value by lookup index (null where the table has no valid entry). */
        final CpuidRegs[] adjusted;
        /** {@code EBX + EAX} of CPUID(0xD, n) where EAX ≠ 0, else 0 (n &lt; 63). */
        final int[] xsaveEnd = new int[63];
        final long xfdMask;
        final int platformFms;
        /** Memoized {@link #compute} results (bounded: cleared when full). */
        static final int MAX_RESULTS = 64;
        final ConcurrentHashMap<InputsKey, CpuidComputation> results = new ConcurrentHashMap<>();

        private PlatformTables(ModuleProfile m, PlatformProfile p) {
            SysInitFacts facts = new SysInitFacts(m, p);
            int size = m.cpuidLookup().isEmpty() ? 0 : m.cpuidLookup().getLast().index() + 1;
            for (CpuidLookupEntry e : m.cpuidLookup()) {
                size = Math.max(size, e.index() + 1);
            }
            adjusted = new CpuidRegs[size];
            for (CpuidLookupEntry e : m.cpuidLookup()) {
                adjusted[e.index()] = facts.adjustedNative(e);
            }
            for (int n = 2; n < 63; n++) {
                CpuidRegs r = p.cpuid(0xD, n);
                xsaveEnd[n] = r.eax() != 0 ? r.ebx() + r.eax() : 0;
            }
            xfdMask = xfdCapableMask(p);
            platformFms = m.lookupEntry(1, 0).map(e -> facts.adjustedNative(e).eax()).orElse(p.signature());
        }

        /** The tables this thread used last (a TD's SEAMCALLs run on one thread): skips the shared cache. */
        private static final ThreadLocal<Last> LAST = new ThreadLocal<>();

        private record Last(ModuleProfile module, java.lang.ref.WeakReference<PlatformProfile> platform,
                PlatformTables tables) {}

        static PlatformTables of(ModuleProfile m, PlatformProfile p) {
            Last last = LAST.get();
            if (last != null && last.module == m && last.platform.get() == p) {
                return last.tables;
            }
            PlatformTables t = CACHE.getUnchecked(p).computeIfAbsent(m, k -> new PlatformTables(k, p));
            LAST.set(new Last(m, new java.lang.ref.WeakReference<>(p), t));
            return t;
        }

        CpuidRegs adjustedNative(CpuidLookupEntry e) {
            return adjusted[e.index()];
        }

        /** Same value as {@link CpuidVirtualization#xsaveMaxSize}. */
        int xsaveMaxSize(long xcr0) {
            int size = 512 + 64;
            for (int n = 2; n < 63; n++) {
                if ((xcr0 >>> n & 1) != 0) {
                    size = Math.max(size, xsaveEnd[n]);
                }
            }
            return size;
        }
    }

    /**
     * {@code check_fms_config} for migratable TDs (abi §4.1 row 22b). The 1.5.x allowed-FMS table
     * lists CPU generations newest first; NUM_ALLOWED_FMS counts from the platform's own entry to the
     * end (module-data {@code allowedFms.notes}). Our reading, not confirmed against the C code: a
     * value is allowed if its family/model equals one of those entries and its stepping is at most
     * that entry's latest stepping (at most the native stepping for the platform's own entry). When
     * the profile has no table (2.0.08, not extracted) or the platform is not listed, only the
     * native F/M/S is allowed.
     */
    public static boolean isFmsAllowed(ModuleProfile m, PlatformProfile p, int fms) {
        int platform = platformFms(m, p);
        if (fms == platform) {
            return true;
        }
        if (m.allowedFms().isEmpty()) {
            return false;
        }
        List<AllowedFms.Entry> t = m.allowedFms().get().table();
        int start = -1;
        for (int i = 0; i < t.size(); i++) {
            if ((t.get(i).nativeFms() & ~0xF) == (platform & ~0xF)) {
                start = i;
                break;
            }
        }
        if (start < 0) {
            return false;
        }
        for (int i = start; i < t.size(); i++) {
            AllowedFms.Entry e = t.get(i);
            int maxStepping = i == start ? Math.min(e.latestStepping(), platform & 0xF) : e.latestStepping();
            if ((fms & ~0xF) == (e.nativeFms() & ~0xF) && (fms & 0xF) <= maxStepping) {
                return true;
            }
        }
        return false;
    }

    private static final class Run {
        final ModuleProfile m;
        final PlatformProfile p;
        final CpuidInputs in;
        final Version ver;
        final PlatformTables tables;
        final CpuidRegs[] vals;
        final boolean[] done;
        final boolean[] valid;
        boolean monitor;
        boolean la57;
        boolean perfmonExt;
        /** Final CPUID(0x23,0).EAX, the 2.0.08 sub-leaf bitmap ({@code tmp_cpuid_23_eax_val}, 0 until seen). */
        int leaf23Subleaves;
        OptionalInt virtMaxPa = OptionalInt.empty();

        Run(ModuleProfile m, PlatformProfile p, CpuidInputs in, PlatformTables tables) {
            this.m = m;
            this.p = p;
            this.in = in;
            this.ver = Version.of(m);
            this.tables = tables;
            int size = Math.max(m.maxNumCpuidLookup(),
                    m.cpuidLookup().isEmpty() ? 0 : m.cpuidLookup().getLast().index() + 1);
            this.vals = new CpuidRegs[size];
            Arrays.fill(vals, CpuidRegs.ZERO);
            this.done = new boolean[size];
            this.valid = new boolean[size];
        }

        CpuidRegs cfg(int configIndex) {
            return configIndex < in.cpuidConfig().size() ? in.cpuidConfig().get(configIndex) : CpuidRegs.ZERO;
        }

        /** Final value of an already processed entry, else its adjusted native value. */
        CpuidRegs valueOf(int leaf, int subleaf) {
            return m.lookupEntry(leaf, subleaf).map(e -> done[e.index()] ? vals[e.index()] : tables.adjustedNative(e))
                    .orElse(CpuidRegs.ZERO);
        }

        CpuidComputation run() {
            for (CpuidLookupEntry e : m.cpuidLookup()) {
                CpuidRegs v = tables.adjustedNative(e);
                if (e.configurable()) {
                    CpuidConfigurableEntry c = m.cpuidConfigurable().get(e.configIndex());
                    CpuidRegs cfg = cfg(e.configIndex());
                    CpuidRegs bad = cfg.andNot(c.allowedInTdParams());
                    if (!bad.isZero()) {
                        return refuseNotConfigurable(e, c, bad);
                    }
                    v = v.andNot(c.configDirect()).or(cfg.and(c.configDirect()));
                    v = v.and(cfg.or(c.allowDirect().not()));
                }
                LeafResult lr = applyLeafRule(e, v);
                if (lr.refused != null) {
                    return lr.refused;
                }
                vals[e.index()] = lr.value;
                done[e.index()] = true;
                valid[e.index()] = !e.faulting();
            }
            if (ver.v20) {
                Arrays.fill(valid, true);
            } else if (!ver.v1506) {
                markGapsValid();
            }
            if (ver.v1506) {
                useHardwareTopologyIfAllZero();
            }
            return new CpuidComputation.Computed(ImmutableList.copyOf(vals), ImmutableList.copyOf(
                    toList(valid)), virtMaxPa);
        }

        /**
         * Before 1.5.06 the flag is {@code !faulting} for every slot of the loop, and a slot without a
         * valid entry is not faulting ([M1.5.05] {@code tdh_mng_init.c} at e98d9639, the closest source
         * to 1.5.01 that the index holds; the shipped 1.0 and 1.5.01 tables have no gaps, so only a
         * user profile can show this).
         */
        void markGapsValid() {
            for (int i = 0; i < valid.length; i++) {
                if (m.lookupEntryAt(i).isEmpty()) {
                    valid[i] = true;
                }
            }
        }

        private static List<Boolean> toList(boolean[] b) {
            List<Boolean> l = new ArrayList<>(b.length);
            for (boolean x : b) {
                l.add(x);
            }
            return l;
        }

        record LeafResult(CpuidRegs value, CpuidComputation.Refused refused) {
            static LeafResult ok(CpuidRegs v) {
                return new LeafResult(v, null);
            }
        }

        CpuidRegs xfamMasks(CpuidRegs v, int leaf, int subleaf) {
            XfamMaskTable t = m.xfamMaskTable(leaf, subleaf).orElse(null);
            return t == null ? v : v.andNot(t.clearedBy(in.xfam()));
        }

        LeafResult applyLeafRule(CpuidLookupEntry e, CpuidRegs v) {
            int leaf = e.leaf();
            int sub = e.subleaf();
            if (ver.v10) {
                return LeafResult.ok(applyLeafRule10(leaf, sub, v));
            }
            switch (leaf) {
                case 0x1 -> {
                    int platformFms = tables.adjustedNative(e).eax();
                    int fms = v.eax();
                    if (fms == 0) {
                        fms = platformFms;
                        v = v.with(CpuidReg.EAX, fms);
                    }
                    boolean ok = in.attribute(29) ? isFmsAllowed(m, p, fms) : fms == platformFms;
                    if (!ok) {
                        return new LeafResult(v, new CpuidComputation.Refused(CpuidComputation.Reason.FMS, e,
                                Explanation.of(String.format("CPUID(1).EAX F/M/S 0x%08X is not allowed", fms),
                                        in.attribute(29)
                                                ? "a migratable TD may configure 0, the native F/M/S or an older "
                                                        + "generation from the module's allowed-FMS list (check_fms_config)"
                                                : String.format("a non-migratable TD may only configure 0 or the native "
                                                        + "F/M/S 0x%08X", platformFms))));
                    }
                    if (!in.xfamBit(2)) {
                        v = v.andNot(m.xfamMaskTable(1, 0).map(t -> t.maskFor(2)).orElse(CpuidRegs.ZERO)
                                .and(new CpuidRegs(0, 0, -1, 0)));
                    }
                    monitor = v.bit(CpuidReg.ECX, 3);
                }
                case 0x5 -> {
                    if (!monitor) {
                        v = CpuidRegs.ZERO;
                    }
                }
                case 0x7 -> {
                    if (sub == 0) {
                        v = xfamMasks(v, 7, 0);
                        boolean hle = v.bit(CpuidReg.EBX, 4);
                        boolean rtm = v.bit(CpuidReg.EBX, 11);
                        if (hle != rtm) {
                            return new LeafResult(v, new CpuidComputation.Refused(
                                    CpuidComputation.Reason.HLE_RTM_MISMATCH, e, Explanation.of(
                                            "CPUID(7,0).EBX HLE (bit 4) and RTM (bit 11) must have the same final value",
                                            "final HLE = " + (hle ? 1 : 0) + ", RTM = " + (rtm ? 1 : 0)
                                                    + " (after ALLOW_DIRECT and the XFAM masks)")));
                        }
                        if (hle && !p.tsxCtrl()) {
                            return new LeafResult(v, new CpuidComputation.Refused(
                                    CpuidComputation.Reason.TSX_WITHOUT_TSX_CTRL, e, Explanation.of(
                                            "virtual TSX (CPUID(7,0).EBX HLE/RTM) requires IA32_TSX_CTRL, but the platform's "
                                                    + "IA32_ARCH_CAPABILITIES.TSX_CTRL (bit 7) is 0")));
                        }
                        v = v.withBit(CpuidReg.ECX, 31, in.attribute(30)); // PKS := ATTRIBUTES.PKS
                        v = v.withBit(CpuidReg.ECX, 23, false);             // KL := 0
                        la57 = v.bit(CpuidReg.ECX, 16);
                    } else if (sub == 1) {
                        v = xfamMasks(v, 7, 1);
                        perfmonExt = v.bit(CpuidReg.EAX, 8);
                        if (ver.v1506) {
                            v = v.withBit(CpuidReg.EAX, 6, in.attribute(27)); // LASS := ATTRIBUTES.LASS
                        }
                    }
                }
                case 0xA -> {
                    if (!in.attribute(63)) {
                        v = CpuidRegs.ZERO;
                    }
                }
                case 0xD -> {
                    if (sub == 0) {
                        v = xfamMasks(v, 0xD, 0);
                        v = v.with(CpuidReg.ECX, tables.xsaveMaxSize(in.xfam() & p.supportedXcr0()));
                    } else if (sub == 1) {
                        v = xfamMasks(v, 0xD, 1);
                        if ((tables.xfdMask & in.xfam()) == 0) {
                            v = v.withBit(CpuidReg.EAX, 4, false);
                        }
                    } else if (sub >= 2 && sub <= 18 && !in.xfamBit(sub)) {
                        v = CpuidRegs.ZERO;
                    }
                }
                case 0x14 -> {
                    if (!in.xfamBit(8)) {
                        v = CpuidRegs.ZERO;
                    }
                }
                case 0x15 -> v = v.with(CpuidReg.EBX, in.tscFrequency());
                case 0x19 -> v = CpuidRegs.ZERO;
                case 0x1A -> {
                    if (ver.v1506 && in.attribute(29)) {
                        v = CpuidRegs.ZERO;
                    }
                }
                case 0x1C -> {
                    if (!in.xfamBit(15)) {
                        v = CpuidRegs.ZERO;
                    }
                }
                case 0x1D -> {
                    if (!in.xfamBit(17) || !in.xfamBit(18)) {
                        v = CpuidRegs.ZERO;
                    }
                }
                case 0x23 -> {
                    if (ver.v1506 && (!in.attribute(63) || !perfmonExt)) {
                        v = CpuidRegs.ZERO;
                    } else if (ver.v20) {
                        v = leaf23Subleaf20(sub, v);
                    }
                }
                case 0x8000_0008 -> {
                    return cpuid80000008(e, v);
                }
                default -> {
                }
            }
            return LeafResult.ok(v);
        }

        /**
         * 2.0.08 only, with leaf 0x23 enabled: sub-leaf 0's final EAX is the bitmap of existing sub-leaves,
         * and sub-leaf n ≥ 1 is all zero when its bit is 0 ([M2.0] {@code tdh_mng_init.c} at 1666adc4, not
         * in the digest; absent from [M1.5.06] and [M1.5.05]). The bitmap starts at 0, so a sub-leaf the
         * lookup table lists before sub-leaf 0 would be zeroed; the shipped table lists sub-leaf 0 first.
         */
        CpuidRegs leaf23Subleaf20(int sub, CpuidRegs v) {
            if (sub == 0) {
                leaf23Subleaves = v.eax();
                return v;
            }
            return sub < 32 && (leaf23Subleaves >>> sub & 1) != 0 ? v : CpuidRegs.ZERO;
        }

        CpuidRegs applyLeafRule10(int leaf, int sub, CpuidRegs v) {
            if (leaf == 0xD && sub == 0) {
                return v.with(CpuidReg.ECX, tables.xsaveMaxSize(in.xfam() & p.supportedXcr0()));
            }
            if (leaf == 0xD && sub == 1 && (tables.xfdMask & in.xfam()) == 0) {
                return v.withBit(CpuidReg.EAX, 4, false);
            }
            if (leaf == 0x15) {
                return v.with(CpuidReg.EBX, in.tscFrequency()).with(CpuidReg.EAX, 1);
            }
            return v;
        }

        /** abi §5.5. */
        LeafResult cpuid80000008(CpuidLookupEntry e, CpuidRegs v) {
            int eax = v.eax();
            eax = eax & ~0xFF00 | (la57 ? 57 : 48) << 8;
            int nativePa = p.maxPhysAddr();
            int limit = Math.min(nativePa, in.gpaw() ? 52 : 48);
            if (ver.v1506) {
                boolean maxgpaVirt = ver.v20 && in.configFlag(4);
                int pa;
                if (in.configFlag(3) && !maxgpaVirt) {
                    int configured = eax & 0xFF;
                    int min = (int) m.constant("MIN_VIRT_MAXPA").orElse(DEFAULT_MIN_VIRT_MAXPA);
                    if (configured == 0) {
                        pa = limit;
                    } else if (configured < min || configured > limit) {
                        return new LeafResult(v, new CpuidComputation.Refused(
                                CpuidComputation.Reason.VIRT_MAXPA_RANGE, e, Explanation.of(
                                        "CPUID(0x80000008).EAX[7:0] = " + configured + " is outside the MAXPA_VIRT range ["
                                                + min + ", " + limit + "]",
                                        "range = [MIN_VIRT_MAXPA, min(native MAXPA " + nativePa + ", GPAW "
                                                + (in.gpaw() ? "1 -> 52" : "0 -> 48") + ")]; 0 selects the maximum")));
                    } else {
                        pa = configured;
                    }
                } else {
                    pa = nativePa;
                }
                int gpa = maxgpaVirt ? limit : 0;
                eax = eax & ~0xFF_FFFF | gpa << 16 | (eax & 0xFF00) | pa;
                virtMaxPa = OptionalInt.of(maxgpaVirt ? gpa : pa);
            }
            return LeafResult.ok(v.with(CpuidReg.EAX, eax));
        }

        /** Row 23, stated part only: CPUID(0x1F) configured all-0 means "use the hardware values". */
        void useHardwareTopologyIfAllZero() {
            boolean any = false;
            boolean allZero = true;
            for (CpuidConfigurableEntry c : m.cpuidConfigurable()) {
                if (c.leaf() == 0x1F) {
                    any = true;
                    allZero &= cfg(c.index()).isZero();
                }
            }
            if (any && allZero) {
                for (CpuidLookupEntry e : m.cpuidLookup()) {
                    if (e.leaf() == 0x1F) {
                        vals[e.index()] = tables.adjustedNative(e);
                    }
                }
            }
        }

        CpuidComputation.Refused refuseNotConfigurable(CpuidLookupEntry e, CpuidConfigurableEntry c, CpuidRegs bad) {
            List<String> lines = new ArrayList<>();
            for (CpuidReg r : CpuidReg.values()) {
                int bits = bad.get(r);
                for (int b = 0; b < 32; b++) {
                    if ((bits >>> b & 1) != 0) {
                        CpuidBitClass cls = CpuidBitRules.classify(m, p, in, e, r, b, this::valueOf);
                        lines.add("CPUID " + c.cpuidLeaf() + " " + r + " " + CpuidBitNames.describe(e.leaf(), e.subleaf(), r, b)
                                + " is not configurable in module " + m.version() + ": it is " + cls.label()
                                + " (" + cls.reason() + ")" + CpuidBitRules.otherVersions(m, e.leaf(), e.subleaf(), r, b));
                    }
                }
            }
            return new CpuidComputation.Refused(CpuidComputation.Reason.NOT_CONFIGURABLE, e, Explanation.of(
                    "TD_PARAMS.CPUID_CONFIG[" + c.index() + "] (CPUID " + c.cpuidLeaf() + ") sets bits outside "
                            + "CONFIG_DIRECT | ALLOW_DIRECT of module " + m.version(), lines));
        }
    }
}
