package org.tdxsim.module.cpuid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.platform.SysInitFacts;
import org.tdxsim.module.profile.CpuidConfigurableEntry;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;

/**
 * The leaf-specific rules TDH.MNG.INIT applies after the generic formula (abi §5.4, §5.5), one test
 * per rule and version. Every test first checks that the platform's adjusted native value has the
 * bits the rule would clear (or set), so that a missing rule makes the test fail.
 */
class CpuidLeafRulesTest {

    static final PlatformProfile GNR = PlatformProfiles.builtIn("granite-rapids-w-xeon-658x");
    static final long PERFMON = 1L << 63;
    static final long PKS = 1L << 30;
    static final long MIGRATABLE = 1L << 29;

    static ModuleProfile m(String v) {
        return ModuleProfiles.builtIn(v);
    }

    /** Final CPUID of (leaf, subleaf) for these inputs; {@code cfg} edits the all-zero CPUID_CONFIG. */
    static CpuidRegs fin(String v, PlatformProfile p, long attributes, long xfam,
            UnaryOperator<List<CpuidRegs>> cfg, int leaf, int subleaf) {
        ModuleProfile m = m(v);
        List<CpuidRegs> values = new ArrayList<>();
        for (int i = 0; i < m.maxNumCpuidConfig(); i++) {
            values.add(CpuidRegs.ZERO);
        }
        CpuidComputation c = CpuidVirtualization.compute(m, p, CpuidInputs.of(attributes, xfam, 0, 100, cfg.apply(values)));
        assertThat(c).as("%s", c).isInstanceOf(CpuidComputation.Computed.class);
        return ((CpuidComputation.Computed) c).values().get(m.lookupEntry(leaf, subleaf).orElseThrow().index());
    }

    static CpuidRegs fin(String v, long attributes, long xfam, int leaf, int subleaf) {
        return fin(v, GNR, attributes, xfam, l -> l, leaf, subleaf);
    }

    static CpuidRegs adjustedNative(String v, PlatformProfile p, int leaf, int subleaf) {
        return new SysInitFacts(m(v), p).adjustedNative(m(v).lookupEntry(leaf, subleaf).orElseThrow());
    }

    /** Sets CPUID_CONFIG of (leaf, subleaf) to {@code regs}; asserts the bits are configurable in this version. */
    static UnaryOperator<List<CpuidRegs>> set(String v, int leaf, int subleaf, CpuidRegs regs) {
        CpuidConfigurableEntry e = m(v).configurableEntry(leaf, subleaf).orElseThrow();
        assertThat(regs.andNot(e.allowedInTdParams())).as("%s: test bits must be configurable", v).isEqualTo(CpuidRegs.ZERO);
        return l -> {
            l.set(e.index(), regs);
            return l;
        };
    }

    /**
     * Passes every native ALLOW_DIRECT bit of (leaf, subleaf) through (CPUID_CONFIG = ALLOW_DIRECT mask), so
     * that the generic formula leaves the adjusted native value; no-op for a non-configurable leaf.
     */
    static UnaryOperator<List<CpuidRegs>> allowAll(String v, int leaf, int subleaf) {
        return m(v).configurableEntry(leaf, subleaf).map(e -> {
            assertThat(e.configDirect()).as("%s 0x%X has no CONFIG_DIRECT bits", v, leaf).isEqualTo(CpuidRegs.ZERO);
            return set(v, leaf, subleaf, e.allowDirect());
        }).orElse(l -> l);
    }

    static UnaryOperator<List<CpuidRegs>> both(UnaryOperator<List<CpuidRegs>> a, UnaryOperator<List<CpuidRegs>> b) {
        return l -> b.apply(a.apply(l));
    }

    /** abi §5.4 row 0x5: all zero unless the final CPUID(1).ECX.MONITOR (bit 3, ALLOW_DIRECT) is 1. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void leaf5FollowsFinalMonitor(String v) {
        CpuidRegs nat = adjustedNative(v, GNR, 5, 0);
        assertThat(nat.isZero()).isFalse();
        CpuidRegs monitor = new CpuidRegs(0, 0, 1 << 3, 0);
        assertThat(fin(v, GNR, 0, 3, set(v, 1, 0, monitor), 5, 0)).isEqualTo(nat);
        assertThat(fin(v, 0, 3, 5, 0)).isEqualTo(CpuidRegs.ZERO);
    }

    /** abi §5.4 row 0xA: all zero unless ATTRIBUTES.PERFMON (1.5, 2.0). */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void leafAFollowsPerfmon(String v) {
        CpuidRegs nat = adjustedNative(v, GNR, 0xA, 0);
        assertThat(nat.isZero()).isFalse();
        assertThat(fin(v, PERFMON, 3, 0xA, 0)).isEqualTo(nat);
        assertThat(fin(v, 0, 3, 0xA, 0)).isEqualTo(CpuidRegs.ZERO);
    }

    /** abi §5.4 row 0x7/0: ECX[31] (PKS) := ATTRIBUTES.PKS; ECX[23] (Key Locker) := 0 (1.5, 2.0). */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void leaf7PksFollowsAttributesAndKeyLockerIsZero(String v) {
        CpuidRegs n = GNR.cpuid(7, 0);
        PlatformProfile kl = GNR.withCpuid(7, 0, n.withBit(CpuidReg.ECX, 23, true));
        assertThat(adjustedNative(v, kl, 7, 0).bit(CpuidReg.ECX, 31)).isTrue();
        assertThat(adjustedNative(v, kl, 7, 0).bit(CpuidReg.ECX, 23)).isTrue();
        assertThat(fin(v, kl, 0, 3, l -> l, 7, 0).bit(CpuidReg.ECX, 31)).as("PKS = 0").isFalse();
        assertThat(fin(v, kl, PKS, 3, l -> l, 7, 0).bit(CpuidReg.ECX, 31)).as("PKS = 1").isTrue();
        assertThat(fin(v, kl, PKS, 3, l -> l, 7, 0).bit(CpuidReg.ECX, 23)).as("KL").isFalse();
    }

    /** abi §5.4 row 0xD/n: sub-leaf n (2..18) all zero when XFAM[n] = 0 (1.5, 2.0; 1.0 has no such rule). */
    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void leafDSubleafFollowsXfam(String v) {
        CpuidRegs nat = adjustedNative(v, GNR, 0xD, 9); // PKRU
        assertThat(nat.isZero()).isFalse();
        assertThat(fin(v, 0, 3 | 1 << 9, 0xD, 9)).isEqualTo(nat);
        assertThat(fin(v, 0, 3, 0xD, 9)).isEqualTo(v.equals("1.0") ? nat : CpuidRegs.ZERO);
    }

    /** abi §5.4 row 0xD/1: EAX[4] (XFD) is cleared unless an XFD-capable component (AMX tile data here) is in XFAM (all versions). */
    @ParameterizedTest
    @ValueSource(strings = {"1.0", "1.5.01", "1.5.06", "2.0.08"})
    void leafD1XfdFollowsXfam(String v) {
        assertThat(adjustedNative(v, GNR, 0xD, 1).bit(CpuidReg.EAX, 4)).isTrue();
        assertThat(fin(v, 0, 3 | 0x3L << 17, 0xD, 1).bit(CpuidReg.EAX, 4)).isTrue();
        assertThat(fin(v, 0, 3, 0xD, 1).bit(CpuidReg.EAX, 4)).isFalse();
    }

    /** abi §5.4 rows 0x14, 0x1C, 0x1D: wholly zero when XFAM[8] (PT), XFAM[15] (LBR), XFAM[17] and [18] (AMX) are 0. */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void xfamOwnedLeaves(String v) {
        long[][] cases = {{0x14, 0, 1L << 8}, {0x1C, 0, 1L << 15}, {0x1D, 1, 0x3L << 17}};
        for (long[] k : cases) {
            int leaf = (int) k[0];
            int sub = (int) k[1];
            CpuidRegs nat = adjustedNative(v, GNR, leaf, sub);
            assertThat(nat.isZero()).as("0x%X", leaf).isFalse();
            UnaryOperator<List<CpuidRegs>> all = allowAll(v, leaf, sub);
            assertThat(fin(v, GNR, 0, 3 | k[2], all, leaf, sub)).as("0x%X enabled", leaf).isEqualTo(nat);
            assertThat(fin(v, GNR, 0, 3, all, leaf, sub)).as("0x%X disabled", leaf).isEqualTo(CpuidRegs.ZERO);
        }
        assertThat(fin(v, 0, 3 | 1L << 17, 0x1D, 1)).as("AMX needs both XFAM bits").isEqualTo(CpuidRegs.ZERO);
    }

    /**
     * abi §5.4 row 0x19: the Key Locker leaf is all zero (1.5, 2.0) even if the CPU reports it. Only
     * 1.5.01 can show the rule: in 1.5.06 and 2.0.08 the lookup table already makes every bit FIXED0.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01"})
    void keyLockerLeafIsZero(String v) {
        PlatformProfile kl = GNR.withCpuid(0x19, CpuidLeaf.SUBLEAF_NA, new CpuidRegs(0x7, 0x14, 0x2, 0));
        assertThat(adjustedNative(v, kl, 0x19, 0).isZero()).isFalse();
        assertThat(fin(v, kl, 0, 3, l -> l, 0x19, 0)).isEqualTo(CpuidRegs.ZERO);
    }

    /** abi §5.4 row 0x1A: all zero for a migratable TD (1.5.06, 2.0). */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.06", "2.0.08"})
    void leaf1AIsZeroForMigratableTds(String v) {
        CpuidRegs nat = adjustedNative(v, GNR, 0x1A, 0);
        assertThat(nat.isZero()).isFalse();
        assertThat(fin(v, 0, 3, 0x1A, 0)).isEqualTo(nat);
        assertThat(fin(v, MIGRATABLE, 3, 0x1A, 0)).isEqualTo(CpuidRegs.ZERO);
    }

    /**
     * abi §5.4 row 0x23: 1.5.01 has no leaf rule (lookup masks only); 1.5.06 / 2.0.08 zero it unless
     * ATTRIBUTES.PERFMON = 1 and the final CPUID(7,1).EAX[8] = 1 (ALLOW_DIRECT there).
     */
    @Test
    void leaf23PerVersion() {
        CpuidRegs nat01 = adjustedNative("1.5.01", GNR, 0x23, 0);
        assertThat(nat01.isZero()).isFalse();
        assertThat(fin("1.5.01", GNR, 0, 3, allowAll("1.5.01", 0x23, 0), 0x23, 0)).as("1.5.01").isEqualTo(nat01);
        for (String v : new String[] {"1.5.06", "2.0.08"}) {
            CpuidRegs nat = adjustedNative(v, GNR, 0x23, 0);
            assertThat(nat.isZero()).isFalse();
            UnaryOperator<List<CpuidRegs>> all = allowAll(v, 0x23, 0);
            UnaryOperator<List<CpuidRegs>> ext = both(all, set(v, 7, 1, new CpuidRegs(1 << 8, 0, 0, 0)));
            assertThat(fin(v, GNR, PERFMON, 3, ext, 0x23, 0)).as(v).isEqualTo(nat);
            assertThat(fin(v, GNR, 0, 3, ext, 0x23, 0)).as(v + " without PERFMON").isEqualTo(CpuidRegs.ZERO);
            assertThat(fin(v, GNR, PERFMON, 3, all, 0x23, 0)).as(v + " without CPUID(7,1).EAX[8]")
                    .isEqualTo(CpuidRegs.ZERO);
        }
    }

    /**
     * 2.0.08 only: with leaf 0x23 enabled (PERFMON and CPUID(7,1).EAX[8]), sub-leaf n ≥ 1 is all zero
     * when bit n of the final CPUID(0x23,0).EAX is 0 ([M2.0] {@code tdh_mng_init.c} at 1666adc4, leaf
     * 0x23 branch; not in the digest). 1.5.06 ([M1.5.06] {@code tdh_mng_init.c} at 1e636985) has no
     * such rule. GNR enumerates sub-leaves 1 and 3 (native 0x23/0 EAX = 0xB); EAX[3:0] is ALLOW_DIRECT.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.06", "2.0.08"})
    void leaf23SubleavesFollowFinalSubleaf0Bitmap(String v) {
        assertThat(GNR.cpuid(0x23, 0).eax() & 0xF).isEqualTo(0xB);
        CpuidRegs nat1 = adjustedNative(v, GNR, 0x23, 1);
        CpuidRegs nat3 = adjustedNative(v, GNR, 0x23, 3);
        assertThat(nat1.isZero()).isFalse();
        assertThat(nat3.isZero()).isFalse();
        UnaryOperator<List<CpuidRegs>> ext = set(v, 7, 1, new CpuidRegs(1 << 8, 0, 0, 0));
        UnaryOperator<List<CpuidRegs>> all = both(ext, set(v, 0x23, 0, new CpuidRegs(0xF, 0, 0, 0)));
        UnaryOperator<List<CpuidRegs>> no1 = both(ext, set(v, 0x23, 0, new CpuidRegs(0x9, 0, 0, 0)));
        assertThat(fin(v, GNR, PERFMON, 3, all, 0x23, 0).eax()).isEqualTo(0xB);
        assertThat(fin(v, GNR, PERFMON, 3, all, 0x23, 1)).as("bit 1 set").isEqualTo(nat1);
        assertThat(fin(v, GNR, PERFMON, 3, no1, 0x23, 0).eax()).isEqualTo(0x9);
        assertThat(fin(v, GNR, PERFMON, 3, no1, 0x23, 1)).as("bit 1 clear")
                .isEqualTo(v.equals("2.0.08") ? CpuidRegs.ZERO : nat1);
        assertThat(fin(v, GNR, PERFMON, 3, no1, 0x23, 3)).as("bit 3 set").isEqualTo(nat3);
    }

    /** abi §5.5: CPUID(0x80000008).EAX[15:8] := 57 if the final CPUID(7,0).ECX.LA57 is 1, else 48 (1.5+). */
    @ParameterizedTest
    @ValueSource(strings = {"1.5.01", "1.5.06", "2.0.08"})
    void linearAddressWidthFollowsFinalLa57(String v) {
        assertThat(GNR.la57()).isTrue();
        UnaryOperator<List<CpuidRegs>> la57 = set(v, 7, 0, new CpuidRegs(0, 0, 1 << 16, 0));
        assertThat(fin(v, GNR, 0, 3, la57, 0x80000008, 0).eax() >>> 8 & 0xFF).isEqualTo(57);
        assertThat(fin(v, 0, 3, 0x80000008, 0).eax() >>> 8 & 0xFF).isEqualTo(48);
    }
}
