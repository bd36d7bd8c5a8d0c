package org.tdxsim.module.cpuid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.platform.SysInitFacts;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.CpuidLookupEntry;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.profile.XfamMaskTable;

/**
 * Properties of the CPUID virtualization formula (abi §5.2) over every shipped module version and
 * every TDX-capable platform, for random CPUID_CONFIG values that TDH.MNG.INIT accepts (every value
 * restricted to CONFIG_DIRECT | ALLOW_DIRECT, CPUID(1).EAX = 0, HLE = RTM).
 */
class CpuidVirtualizationPropertyTest {

    /** One generated situation: module, platform, XFAM, ATTRIBUTES and a random-config seed. */
    record Case(ModuleProfile m, PlatformProfile p, long xfam, long attributes, long seed) {

        List<CpuidRegs> randomConfig(long salt) {
            Random r = new Random(seed ^ salt);
            List<CpuidRegs> out = new ArrayList<>();
            for (CpuidConfigurableEntry c : m.cpuidConfigurable()) {
                CpuidRegs v = new CpuidRegs(r.nextInt(), r.nextInt(), r.nextInt(), r.nextInt()).and(c.allowedInTdParams());
                if (c.leaf() == 1) {
                    v = v.with(CpuidReg.EAX, 0); // 0 = native F/M/S (row 22b)
                }
                if (c.leaf() == 7 && c.subleaf() == 0 && c.allowDirect().bit(CpuidReg.EBX, 11)) {
                    v = v.withBit(CpuidReg.EBX, 11, v.bit(CpuidReg.EBX, 4)); // HLE = RTM (row 22c)
                }
                out.add(v);
            }
            return out;
        }

        CpuidInputs inputs(List<CpuidRegs> cfg) {
            return CpuidInputs.of(attributes, xfam, 0, 100, cfg);
        }

        CpuidComputation.Computed compute(List<CpuidRegs> cfg) {
            CpuidComputation c = CpuidVirtualization.compute(m, p, inputs(cfg));
            assertThat(c).as("accepted config must compute").isInstanceOf(CpuidComputation.Computed.class);
            return (CpuidComputation.Computed) c;
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<ModuleProfile> modules = Arbitraries.of(ModuleProfiles.versions()).map(ModuleProfiles::builtIn);
        Arbitrary<PlatformProfile> platforms = Arbitraries.of(PlatformProfiles.tdxCapableNames())
                .map(PlatformProfiles::builtIn);
        Arbitrary<Long> xfams = Arbitraries.longs().map(x -> x & 0x7FFFF | 0x3);
        // PKS (bit 30) excluded: the PKS rule copies ATTRIBUTES into CPUID(7,0).ECX[31]
        Arbitrary<Long> attrs = Arbitraries.of(0L, 1L << 63, 1L << 28, 1L << 29, 1L, 1L << 27);
        return Combinators.combine(modules, platforms, xfams, attrs, Arbitraries.longs()).as(Case::new);
    }

    /**
     * CONFIG_DIRECT bits follow the request: for every configurable entry, each CONFIG_DIRECT bit of
     * the final value equals the TD_PARAMS bit. Excluded where a leaf rule of abi §5.4/§5.5
     * overrides it by design: CPUID(1).EAX (0 = native F/M/S), CPUID(0x80000008).EAX (MAXPA rules)
     * and CPUID(0x1F) when configured all-zero (use hardware).
     */
    @Property(tries = 150)
    void configDirectBitsFollowTheRequest(@ForAll("cases") Case k) {
        List<CpuidRegs> cfg = k.randomConfig(1);
        CpuidComputation.Computed c = k.compute(cfg);
        boolean topologyAllZero = k.m().cpuidConfigurable().stream().filter(e -> e.leaf() == 0x1F)
                .allMatch(e -> cfg.get(e.index()).isZero());
        for (CpuidConfigurableEntry e : k.m().cpuidConfigurable()) {
            if (e.leaf() == 0x1F && topologyAllZero) {
                continue;
            }
            for (CpuidReg r : CpuidReg.values()) {
                if ((e.leaf() == 1 || e.leaf() == 0x8000_0008) && r == CpuidReg.EAX) {
                    continue;
                }
                int cd = e.configDirect().get(r);
                int got = c.values().get(e.lookupIndex()).get(r);
                assertThat(got & cd).as("%s %s %s", k.m().version(), e.cpuidLeaf(), r).isEqualTo(cfg.get(e.index()).get(r) & cd);
            }
        }
    }

    /**
     * FIXED bits never follow the request: bits that are FIXED0_OR_DYNAMIC or FIXED1 in the lookup
     * table and neither CONFIG_DIRECT nor ALLOW_DIRECT have the same final value for any two
     * accepted CPUID_CONFIG inputs (same ATTRIBUTES, XFAM, platform).
     */
    @Property(tries = 150)
    void fixedBitsNeverFollowTheRequest(@ForAll("cases") Case k) {
        CpuidComputation.Computed a = k.compute(k.randomConfig(1));
        CpuidComputation.Computed b = k.compute(k.randomConfig(2));
        for (CpuidLookupEntry e : k.m().cpuidLookup()) {
            CpuidRegs fixed = e.fixed0OrDynamic().or(e.fixed1());
            CpuidRegs configurable = k.m().configurableFor(e).map(CpuidConfigurableEntry::allowedInTdParams)
                    .orElse(CpuidRegs.ZERO);
            CpuidRegs mask = fixed.andNot(configurable);
            assertThat(a.values().get(e.index()).and(mask)).as("%s %s", k.m().version(), e.cpuidLeaf())
                    .isEqualTo(b.values().get(e.index()).and(mask));
        }
    }

    /**
     * ALLOW_DIRECT bits never exceed native: for every configurable entry, the final value's
     * ALLOW_DIRECT bits are a subset of the adjusted native value ((native & ~FIXED0) | FIXED1),
     * whatever the request.
     */
    @Property(tries = 150)
    void allowDirectBitsNeverExceedNative(@ForAll("cases") Case k) {
        CpuidComputation.Computed c = k.compute(k.randomConfig(3));
        SysInitFacts f = new SysInitFacts(k.m(), k.p());
        for (CpuidConfigurableEntry e : k.m().cpuidConfigurable()) {
            CpuidLookupEntry le = k.m().lookupEntryAt(e.lookupIndex()).orElseThrow();
            CpuidRegs got = c.values().get(le.index()).and(e.allowDirect());
            CpuidRegs nat = f.adjustedNative(le).and(e.allowDirect());
            assertThat(got.andNot(nat)).as("%s %s: final AD bits not native", k.m().version(), e.cpuidLeaf())
                    .isEqualTo(CpuidRegs.ZERO);
        }
    }

    /**
     * XFAM-masked bits are 0 when the XFAM bit is 0 (1.5+, {@code apply_cpuid_xfam_masks}): for every
     * XFAM mask table and every XFAM bit that is 0, the masked CPUID bits are 0 in the final value
     * (CPUID(1): only the ECX part of the XFAM[2] entry, as the module applies it).
     */
    @Property(tries = 150)
    void xfamMaskedBitsAreZeroWhenTheXfamBitIsZero(@ForAll("cases") Case k) {
        if (k.m().version().is1_0()) {
            return; // 1.0 applies no XFAM mask at TDH.MNG.INIT
        }
        CpuidComputation.Computed c = k.compute(k.randomConfig(4));
        for (XfamMaskTable t : k.m().xfamMasks()) {
            CpuidLookupEntry e = k.m().lookupEntry(t.leaf(), t.subleaf()).orElseThrow();
            for (var me : t.perXfamBit().entrySet()) {
                if ((k.xfam() >>> me.getKey() & 1) != 0) {
                    continue;
                }
                CpuidRegs mask = t.leaf() == 1 ? (me.getKey() == 2 ? new CpuidRegs(0, 0, me.getValue().ecx(), 0)
                        : CpuidRegs.ZERO) : me.getValue();
                assertThat(c.values().get(e.index()).and(mask)).as("%s %s XFAM[%d]", k.m().version(), e.cpuidLeaf(),
                        me.getKey()).isEqualTo(CpuidRegs.ZERO);
            }
        }
    }
}
