package org.tdxsim.module.platform;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.tdxsim.module.cpuid.CpuidLeaf;
import org.tdxsim.module.cpuid.CpuidReg;
import org.tdxsim.module.cpuid.CpuidRegs;

/**
 * A host platform: the native CPUID of one logical processor, a few MSRs, and the facts a CPUID
 * dump cannot show ("knobs"). Immutable; built-in profiles come from real CPUID dumps
 * ({@link PlatformProfiles}), tests and the decision table vary them with the withers, which keep
 * dependent CPUID fields consistent.
 *
 * <p>MAXPHYADDR, the linear-address width and LA57 are not stored separately: they are read from
 * CPUID(0x80000008).EAX[7:0], EAX[15:8] and CPUID(7,0).ECX[16], so the CPUID table the module
 * samples and these accessors can never disagree.
 *
 * @param name                       profile id, e.g. {@code granite-rapids-w-xeon-658x}
 * @param displayName                human-readable CPU name
 * @param vendor                     CPUID vendor string ({@code GenuineIntel}, {@code AuthenticAMD})
 * @param synthesized                true for a profile not taken from a real dump (Sierra Forest)
 * @param tdxCapable                 the platform can run the TDX module at all (SEAM + TDX enabled)
 * @param cpuid                      native CPUID; a key with {@link CpuidLeaf#SUBLEAF_NA} is a leaf
 *                                   without subleaves (matches any ECX)
 * @param msrs                       selected MSRs (IA32_ARCH_CAPABILITIES 0x10A, IA32_MISC_ENABLE
 *                                   0x1A0, IA32_VMX_EPT_VPID_CAP 0x48C, ...)
 * @param ept4Level                  IA32_VMX_EPT_VPID_CAP bit 6 (page-walk length 4, SDM A.10)
 * @param ept5Level                  IA32_VMX_EPT_VPID_CAP bit 7 (page-walk length 5 = 5-level EPT)
 * @param supportedXcr0              XCR0 bits the CPU supports (CPUID(0xD,0) EDX:EAX)
 * @param supportedXss               IA32_XSS bits the CPU supports (CPUID(0xD,1) EDX:ECX)
 * @param tscHz                      native TSC frequency in Hz (CPUID 0x15 or a stated default)
 * @param packages                   number of CPU packages (an assumption in the built-in files)
 * @param logicalProcessors          total logical processors
 * @param numMktmeKids               NUM_MKTME_KIDS of IA32_MKTME_KEYID_PARTITIONING (assumption)
 * @param numTdxPrivKids             NUM_TDX_PRIV_KIDS (assumption); private HKIDs are
 *                                   [numMktmeKids + 1, numMktmeKids + numTdxPrivKids] (abi §7.4)
 * @param tdxConnect                 TDX Connect / TDX IO present (drives ATTRIBUTES bit 62 TPA and
 *                                   TDX_FEATURES0 bits 6/32 in 2.0.08)
 * @param lass                       CPU supports LASS (CPUID(7,1).EAX[6]); without it TDH.SYS.INIT
 *                                   clears ATTRIBUTES_FIXED0 bit 27 (1.5.06+)
 * @param miscEnableLimitCpuidMaxval IA32_MISC_ENABLE bit 22; TDH.MNG.INIT row 1 requires 0
 * @param tsxCtrl                    IA32_ARCH_CAPABILITIES bit 7 (TSX_CTRL MSR present); row 22d
 * @param seamVerifyReport           SEAMOPS SEAMVERIFYREPORT available (TDX_FEATURES0 bit 8)
 * @param knobSources                knob name to the sentence saying where its value came from
 * @param notes                      free-form provenance notes from the profile file
 */
public record PlatformProfile(
        String name,
        String displayName,
        String vendor,
        boolean synthesized,
        boolean tdxCapable,
        ImmutableSortedMap<CpuidLeaf, CpuidRegs> cpuid,
        ImmutableSortedMap<Integer, Long> msrs,
        boolean ept4Level,
        boolean ept5Level,
        long supportedXcr0,
        long supportedXss,
        long tscHz,
        int packages,
        int logicalProcessors,
        int numMktmeKids,
        int numTdxPrivKids,
        boolean tdxConnect,
        boolean lass,
        boolean miscEnableLimitCpuidMaxval,
        boolean tsxCtrl,
        boolean seamVerifyReport,
        ImmutableMap<String, String> knobSources,
        ImmutableList<String> notes) {

    public static final int MSR_IA32_ARCH_CAPABILITIES = 0x10A;
    public static final int MSR_IA32_MISC_ENABLE = 0x1A0;
    public static final int MSR_IA32_VMX_EPT_VPID_CAP = 0x48C;

    public PlatformProfile {
        Objects.requireNonNull(name);
        Objects.requireNonNull(displayName);
        Objects.requireNonNull(vendor);
        Objects.requireNonNull(cpuid);
        Objects.requireNonNull(msrs);
        Objects.requireNonNull(knobSources);
        Objects.requireNonNull(notes);
        if (packages < 0 || logicalProcessors < 0 || numMktmeKids < 0 || numTdxPrivKids < 0 || tscHz < 0) {
            throw new IllegalArgumentException("negative count in platform profile " + name);
        }
    }

    // ---- CPUID ----

    /** CPUID.0:EAX, the highest basic leaf. */
    public int maxBaseLeaf() {
        CpuidRegs r = raw(0, 0);
        return r == null ? 0 : r.eax();
    }

    /** CPUID.80000000:EAX, the highest extended leaf. */
    public int maxExtLeaf() {
        CpuidRegs r = raw(0x8000_0000, 0);
        return r == null ? 0 : r.eax();
    }

    private CpuidRegs raw(int leaf, int subleaf) {
        CpuidRegs r = cpuid.get(new CpuidLeaf(leaf, subleaf));
        if (r == null) {
            r = cpuid.get(CpuidLeaf.noSubleaf(leaf));
        }
        return r;
    }

    private boolean hasLeaf(int leaf) {
        var sub = cpuid.subMap(new CpuidLeaf(leaf, 0), true, new CpuidLeaf(leaf, CpuidLeaf.SUBLEAF_NA), true);
        return !sub.isEmpty();
    }

    /**
     * Native CPUID(leaf, subleaf) as this processor returns it. Rules for values not in the dump
     * (SDM Vol. 2A, CPUID): a leaf above the maximum of its range (basic, or extended) returns the
     * highest basic leaf on Intel (zeros on other vendors); for leaves 0xB/0x1F an undumped subleaf
     * is an invalid level: ECX[7:0] echoes the subleaf, EDX is the x2APIC ID, the rest 0; any
     * other absent leaf or subleaf reads as all zeros. {@code subleaf} may be
     * {@link CpuidLeaf#SUBLEAF_NA}, which is treated as 0.
     */
    public CpuidRegs cpuid(int leaf, int subleaf) {
        int sub = subleaf == CpuidLeaf.SUBLEAF_NA ? 0 : subleaf;
        CpuidRegs r = raw(leaf, sub);
        if (r != null) {
            return r;
        }
        boolean extended = Integer.compareUnsigned(leaf, 0x8000_0000) >= 0;
        boolean beyond = extended ? Integer.compareUnsigned(leaf, maxExtLeaf()) > 0
                : Integer.compareUnsigned(leaf, maxBaseLeaf()) > 0;
        if (beyond) {
            if (!"GenuineIntel".equals(vendor)) {
                return CpuidRegs.ZERO;
            }
            int top = maxBaseLeaf();
            CpuidRegs t = raw(top, sub);
            return t != null ? t : CpuidRegs.ZERO;
        }
        if ((leaf == 0xB || leaf == 0x1F) && hasLeaf(leaf)) {
            CpuidRegs level0 = raw(leaf, 0);
            int x2apic = level0 == null ? 0 : level0.edx();
            return new CpuidRegs(0, 0, sub & 0xFF, x2apic);
        }
        return CpuidRegs.ZERO;
    }

    public CpuidRegs cpuid(CpuidLeaf l) {
        return cpuid(l.leaf(), l.subleaf());
    }

    /** CPUID.1:EAX (family/model/stepping signature). */
    public int signature() {
        return cpuid(1, 0).eax();
    }

    /** Display family (SDM: base family, plus extended family when base = 0xF). */
    public int family() {
        int s = signature();
        int base = s >>> 8 & 0xF;
        return base == 0xF ? base + (s >>> 20 & 0xFF) : base;
    }

    /** Display model (extended model prepended for family 6 and 0xF). */
    public int model() {
        int s = signature();
        int base = s >>> 4 & 0xF;
        int fam = s >>> 8 & 0xF;
        return fam == 6 || fam == 0xF ? (s >>> 16 & 0xF) << 4 | base : base;
    }

    public int stepping() {
        return signature() & 0xF;
    }

    /** MAXPHYADDR: CPUID(0x80000008).EAX[7:0]. */
    public int maxPhysAddr() {
        return cpuid(0x8000_0008, 0).eax() & 0xFF;
    }

    /** Linear-address width: CPUID(0x80000008).EAX[15:8]. */
    public int linearAddrBits() {
        return cpuid(0x8000_0008, 0).eax() >>> 8 & 0xFF;
    }

    /** LA57 (5-level paging): CPUID(7,0).ECX[16]. */
    public boolean la57() {
        return cpuid(7, 0).bit(CpuidReg.ECX, 16);
    }

    // ---- MSRs and HKIDs ----

    public OptionalLong msr(int address) {
        Long v = msrs.get(address);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** First private HKID, NUM_MKTME_KIDS + 1 (abi §7.4). */
    public int minPrivateHkid() {
        return numMktmeKids + 1;
    }

    /** Last private HKID, NUM_MKTME_KIDS + NUM_TDX_PRIV_KIDS (abi §7.4); below min if none. */
    public int maxPrivateHkid() {
        return numMktmeKids + numTdxPrivKids;
    }

    public boolean isPrivateHkid(long hkid) {
        return hkid >= minPrivateHkid() && hkid <= maxPrivateHkid();
    }

    // ---- withers ----

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Sets CPUID(0x80000008).EAX[7:0] (MAXPHYADDR). */
    public PlatformProfile withMaxPhysAddr(int bits) {
        return toBuilder().maxPhysAddr(bits).build();
    }

    /**
     * Sets LA57 in CPUID(7,0).ECX[16] and keeps CPUID(0x80000008).EAX[15:8] consistent (57 with
     * LA57, else 48: the relation TDH.SYS.INIT verifies, abi §8).
     */
    public PlatformProfile withLa57(boolean la57) {
        return toBuilder().la57(la57).build();
    }

    public PlatformProfile withEpt5Level(boolean ept5) {
        return toBuilder().ept5Level(ept5).build();
    }

    public PlatformProfile withEpt4Level(boolean ept4) {
        return toBuilder().ept4Level(ept4).build();
    }

    public PlatformProfile withCpuid(int leaf, int subleaf, CpuidRegs regs) {
        return toBuilder().cpuid(leaf, subleaf, regs).build();
    }

    public PlatformProfile withTdxConnect(boolean v) {
        return toBuilder().tdxConnect(v).build();
    }

    /** Sets LASS support and CPUID(7,1).EAX[6] together. */
    public PlatformProfile withLass(boolean v) {
        return toBuilder().lass(v).build();
    }

    public PlatformProfile withTsxCtrl(boolean v) {
        return toBuilder().tsxCtrl(v).build();
    }

    public PlatformProfile withMiscEnableLimitCpuidMaxval(boolean v) {
        return toBuilder().miscEnableLimitCpuidMaxval(v).build();
    }

    public PlatformProfile withHkids(int numMktmeKids, int numTdxPrivKids) {
        return toBuilder().numMktmeKids(numMktmeKids).numTdxPrivKids(numTdxPrivKids).build();
    }

    public PlatformProfile withTscHz(long hz) {
        return toBuilder().tscHz(hz).build();
    }

    public PlatformProfile withSupportedXcr0(long xcr0) {
        return toBuilder().supportedXcr0(xcr0).build();
    }

    public PlatformProfile withSupportedXss(long xss) {
        return toBuilder().supportedXss(xss).build();
    }

    @Override
    public String toString() {
        return "PlatformProfile[" + name + ", " + String.format("sig 0x%08X", signature()) + ", MAXPHYADDR "
                + maxPhysAddr() + ", LA57 " + la57() + ", EPT " + (ept5Level ? "4/5" : ept4Level ? "4" : "none")
                + (tdxCapable ? "" : ", no TDX") + "]";
    }

    /** Mutable builder; {@link #build()} produces an immutable profile. */
    public static final class Builder {
        private String name;
        private String displayName;
        private String vendor = "GenuineIntel";
        private boolean synthesized;
        private boolean tdxCapable;
        private final TreeMap<CpuidLeaf, CpuidRegs> cpuid = new TreeMap<>();
        private final TreeMap<Integer, Long> msrs = new TreeMap<>();
        private boolean ept4Level;
        private boolean ept5Level;
        private long supportedXcr0;
        private long supportedXss;
        private long tscHz;
        private int packages = 1;
        private int logicalProcessors = 1;
        private int numMktmeKids;
        private int numTdxPrivKids;
        private boolean tdxConnect;
        private boolean lass;
        private boolean miscEnableLimitCpuidMaxval;
        private boolean tsxCtrl;
        private boolean seamVerifyReport;
        private final TreeMap<String, String> knobSources = new TreeMap<>();
        private ImmutableList<String> notes = ImmutableList.of();

        private Builder(String name) {
            this.name = name;
            this.displayName = name;
        }

        private Builder(PlatformProfile p) {
            name = p.name;
            displayName = p.displayName;
            vendor = p.vendor;
            synthesized = p.synthesized;
            tdxCapable = p.tdxCapable;
            cpuid.putAll(p.cpuid);
            msrs.putAll(p.msrs);
            ept4Level = p.ept4Level;
            ept5Level = p.ept5Level;
            supportedXcr0 = p.supportedXcr0;
            supportedXss = p.supportedXss;
            tscHz = p.tscHz;
            packages = p.packages;
            logicalProcessors = p.logicalProcessors;
            numMktmeKids = p.numMktmeKids;
            numTdxPrivKids = p.numTdxPrivKids;
            tdxConnect = p.tdxConnect;
            lass = p.lass;
            miscEnableLimitCpuidMaxval = p.miscEnableLimitCpuidMaxval;
            tsxCtrl = p.tsxCtrl;
            seamVerifyReport = p.seamVerifyReport;
            knobSources.putAll(p.knobSources);
            notes = p.notes;
        }

        private void changed(String knob) {
            knobSources.put(knob, "changed programmatically from the loaded profile");
        }

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder displayName(String v) {
            displayName = v;
            return this;
        }

        public Builder vendor(String v) {
            vendor = v;
            return this;
        }

        public Builder synthesized(boolean v) {
            synthesized = v;
            return this;
        }

        public Builder tdxCapable(boolean v) {
            tdxCapable = v;
            return this;
        }

        /** Sets one CPUID leaf; use {@link CpuidLeaf#SUBLEAF_NA} for a leaf without subleaves. */
        public Builder cpuid(int leaf, int subleaf, CpuidRegs regs) {
            CpuidLeaf k = new CpuidLeaf(leaf, subleaf);
            if (subleaf != CpuidLeaf.SUBLEAF_NA && !cpuid.containsKey(k)
                    && cpuid.containsKey(CpuidLeaf.noSubleaf(leaf))) {
                k = CpuidLeaf.noSubleaf(leaf); // the leaf has no subleaves: update the one entry
            }
            cpuid.put(k, regs);
            return this;
        }

        private CpuidRegs get(int leaf, int subleaf) {
            CpuidRegs r = cpuid.get(new CpuidLeaf(leaf, subleaf));
            if (r == null) {
                r = cpuid.get(CpuidLeaf.noSubleaf(leaf));
            }
            return r == null ? CpuidRegs.ZERO : r;
        }

        public Builder msr(int address, long value) {
            msrs.put(address, value);
            return this;
        }

        /** CPUID(0x80000008).EAX[7:0]. */
        public Builder maxPhysAddr(int bits) {
            if (bits < 0 || bits > 0xFF) {
                throw new IllegalArgumentException("MAXPHYADDR out of range: " + bits);
            }
            CpuidRegs r = get(0x8000_0008, 0);
            cpuid(0x8000_0008, CpuidLeaf.SUBLEAF_NA, r.with(CpuidReg.EAX, r.eax() & ~0xFF | bits));
            return this;
        }

        /** CPUID(7,0).ECX[16] and CPUID(0x80000008).EAX[15:8] = 57 / 48. */
        public Builder la57(boolean v) {
            CpuidRegs l7 = get(7, 0);
            cpuid(7, 0, l7.withBit(CpuidReg.ECX, 16, v));
            CpuidRegs r = get(0x8000_0008, 0);
            cpuid(0x8000_0008, CpuidLeaf.SUBLEAF_NA, r.with(CpuidReg.EAX, r.eax() & ~0xFF00 | (v ? 57 : 48) << 8));
            return this;
        }

        /** Also sets IA32_VMX_EPT_VPID_CAP bit 7 when that MSR is present. */
        public Builder ept5Level(boolean v) {
            ept5Level = v;
            Long cap = msrs.get(MSR_IA32_VMX_EPT_VPID_CAP);
            if (cap != null) {
                msrs.put(MSR_IA32_VMX_EPT_VPID_CAP, v ? cap | 1L << 7 : cap & ~(1L << 7));
            }
            changed("ept5Level");
            return this;
        }

        /** Also sets IA32_VMX_EPT_VPID_CAP bit 6 when that MSR is present. */
        public Builder ept4Level(boolean v) {
            ept4Level = v;
            Long cap = msrs.get(MSR_IA32_VMX_EPT_VPID_CAP);
            if (cap != null) {
                msrs.put(MSR_IA32_VMX_EPT_VPID_CAP, v ? cap | 1L << 6 : cap & ~(1L << 6));
            }
            changed("ept4Level");
            return this;
        }

        public Builder supportedXcr0(long v) {
            supportedXcr0 = v;
            changed("supportedXcr0");
            return this;
        }

        public Builder supportedXss(long v) {
            supportedXss = v;
            changed("supportedXss");
            return this;
        }

        public Builder tscHz(long v) {
            tscHz = v;
            changed("tscHz");
            return this;
        }

        public Builder packages(int v) {
            packages = v;
            changed("packages");
            return this;
        }

        public Builder logicalProcessors(int v) {
            logicalProcessors = v;
            changed("logicalProcessors");
            return this;
        }

        public Builder numMktmeKids(int v) {
            numMktmeKids = v;
            changed("numMktmeKids");
            return this;
        }

        public Builder numTdxPrivKids(int v) {
            numTdxPrivKids = v;
            changed("numTdxPrivKids");
            return this;
        }

        public Builder tdxConnect(boolean v) {
            tdxConnect = v;
            changed("tdxConnect");
            return this;
        }

        /** Also sets CPUID(7,1).EAX[6] (LASS). */
        public Builder lass(boolean v) {
            lass = v;
            cpuid(7, 1, get(7, 1).withBit(CpuidReg.EAX, 6, v));
            changed("lass");
            return this;
        }

        /** Also sets IA32_MISC_ENABLE bit 22 when that MSR is present. */
        public Builder miscEnableLimitCpuidMaxval(boolean v) {
            miscEnableLimitCpuidMaxval = v;
            Long me = msrs.get(MSR_IA32_MISC_ENABLE);
            if (me != null) {
                msrs.put(MSR_IA32_MISC_ENABLE, v ? me | 1L << 22 : me & ~(1L << 22));
            }
            changed("miscEnableLimitCpuidMaxval");
            return this;
        }

        /** Also sets IA32_ARCH_CAPABILITIES bit 7 when that MSR is present. */
        public Builder tsxCtrl(boolean v) {
            tsxCtrl = v;
            Long ac = msrs.get(MSR_IA32_ARCH_CAPABILITIES);
            if (ac != null) {
                msrs.put(MSR_IA32_ARCH_CAPABILITIES, v ? ac | 1L << 7 : ac & ~(1L << 7));
            }
            changed("tsxCtrl");
            return this;
        }

        public Builder seamVerifyReport(boolean v) {
            seamVerifyReport = v;
            changed("seamVerifyReport");
            return this;
        }

        Builder knobSource(String knob, String source) {
            knobSources.put(knob, source);
            return this;
        }

        Builder notes(ImmutableList<String> v) {
            notes = v;
            return this;
        }

        Builder rawCpuid(Map<CpuidLeaf, CpuidRegs> all) {
            cpuid.putAll(all);
            return this;
        }

        public PlatformProfile build() {
            return new PlatformProfile(name, displayName, vendor, synthesized, tdxCapable,
                    ImmutableSortedMap.copyOfSorted(cpuid), ImmutableSortedMap.copyOfSorted(msrs), ept4Level, ept5Level,
                    supportedXcr0, supportedXss, tscHz, packages, logicalProcessors, numMktmeKids, numTdxPrivKids,
                    tdxConnect, lass, miscEnableLimitCpuidMaxval, tsxCtrl, seamVerifyReport,
                    ImmutableMap.copyOf(knobSources), notes);
        }
    }
}
