package org.tdxsim.module.cpuid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tdxsim.module.platform.PlatformProfile;
import org.tdxsim.module.platform.PlatformProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.tdparams.PlatformRuntime;
import org.tdxsim.module.tdparams.TdConfig;
import org.tdxsim.module.tdparams.TdParams;
import org.tdxsim.module.tdparams.TdParamsCheckResult;
import org.tdxsim.module.tdparams.TdhMngInitChecks;

class CpuidClassifierTest {

    static final PlatformProfile GNR = PlatformProfiles.builtIn("granite-rapids-w-xeon-658x");
    static final ModuleProfile M1501 = ModuleProfiles.builtIn("1.5.01");
    static final long XFAM_AVX = 0x7;
    static final long XFAM_AVX512 = 0xE7;

    static CpuidClassifier.Report classify(ModuleProfile m, Map<CpuidLeaf, CpuidRegs> req, long attributes, long xfam) {
        return CpuidClassifier.classify(m, GNR, req, attributes, xfam, 0, 100);
    }

    /** abi §5.4 XFAM masks: AVX512F (7.0 EBX[16]) is ALLOW_DIRECT and cleared unless XFAM[5..7]. */
    @Test
    void avx512fDependsOnXfam() {
        Map<CpuidLeaf, CpuidRegs> req = Map.of(CpuidLeaf.of(7, 0), new CpuidRegs(0, 1 << 16, 0, 0));
        CpuidClassifier.Report without = classify(M1501, req, 0, XFAM_AVX);
        CpuidClassifier.BitReport b = without.bit(7, 0, CpuidReg.EBX, 16).orElseThrow();
        assertThat(b.bitClass().kind()).isEqualTo(CpuidBitKind.XFAM_DERIVED);
        assertThat(b.bitClass().xfamBits()).containsExactly(5, 6, 7);
        assertThat(b.bitClass().label()).isEqualTo("XFAM_DERIVED (XFAM bits 5-7)");
        assertThat(b.requested()).isTrue();
        assertThat(b.granted()).isFalse();
        assertThat(without.deniedRequested()).contains(b);
        assertThat(without.rejection()).isEmpty();

        CpuidClassifier.Report with = classify(M1501, req, 0, XFAM_AVX512);
        CpuidClassifier.BitReport b2 = with.bit(7, 0, CpuidReg.EBX, 16).orElseThrow();
        assertThat(b2.bitClass().kind()).isEqualTo(CpuidBitKind.ALLOWED_IF_NATIVE);
        assertThat(b2.granted()).isTrue();
        assertThat(b2.describe()).contains("AVX512F").contains("ALLOW_DIRECT");
    }

    @Test
    void nonConfigurableRequestIsExplainedAndFilteredForTheGuestTable() {
        Map<CpuidLeaf, CpuidRegs> req = Map.of(CpuidLeaf.of(7, 0), new CpuidRegs(0, 1 | 1 << 3, 0, 0)); // FSGSBASE, BMI1
        CpuidClassifier.Report r = classify(M1501, req, 0, XFAM_AVX);
        assertThat(r.rejection()).isPresent();
        assertThat(r.rejection().get().details()).anyMatch(l -> l.contains("EBX bit 0 (FSGSBASE)"));
        // FSGSBASE is NATIVE in 1.5.01: granted because GNR has it, even though it is not configurable
        assertThat(r.bit(7, 0, CpuidReg.EBX, 0).orElseThrow().bitClass().kind()).isEqualTo(CpuidBitKind.NATIVE);
        assertThat(r.bit(7, 0, CpuidReg.EBX, 0).orElseThrow().granted()).isTrue();
        assertThat(r.bit(7, 0, CpuidReg.EBX, 3).orElseThrow().granted()).as("BMI1 ALLOW_DIRECT, requested").isTrue();
        assertThat(r.bit(7, 0, CpuidReg.EBX, 8).orElseThrow().granted()).as("BMI2 ALLOW_DIRECT, not requested").isFalse();
        // AVX2 is not configurable in 1.5.01: native, cleared only by XFAM[2]
        CpuidClassifier.BitReport avx2 = r.bit(7, 0, CpuidReg.EBX, 5).orElseThrow();
        assertThat(avx2.bitClass().kind()).isEqualTo(CpuidBitKind.NATIVE);
        assertThat(avx2.bitClass().xfamBits()).containsExactly(2);
        assertThat(avx2.granted()).isTrue();
        assertThat(r.grantedUnrequested()).contains(avx2);
    }

    @Test
    void calculatedAttributeAndFaultingClasses() {
        CpuidClassifier.Report r = classify(M1501, Map.of(), 1L << 30, XFAM_AVX);
        assertThat(r.bit(0xD, 0, CpuidReg.ECX, 6).orElseThrow().bitClass().kind()).isEqualTo(CpuidBitKind.CALCULATED);
        assertThat(r.bit(0x15, 0, CpuidReg.EBX, 0).orElseThrow().bitClass().kind()).isEqualTo(CpuidBitKind.CALCULATED);
        CpuidBitClass pks = r.bit(7, 0, CpuidReg.ECX, 31).orElseThrow().bitClass();
        assertThat(pks.kind()).isEqualTo(CpuidBitKind.ATTRIBUTES_DERIVED);
        assertThat(pks.attributesBit()).hasValue(30);
        assertThat(r.bit(7, 0, CpuidReg.ECX, 31).orElseThrow().granted()).isTrue();
        assertThat(r.bit(6, 0, CpuidReg.EAX, 0).orElseThrow().bitClass().kind()).isEqualTo(CpuidBitKind.FAULTING);
        assertThat(r.bit(0xA, 0, CpuidReg.EAX, 0).orElseThrow().bitClass().label())
                .isEqualTo("ATTRIBUTES_DERIVED (ATTRIBUTES bit 63)");
        assertThat(r.bit(0x21, 0, CpuidReg.EBX, 0).orElseThrow().bitClass().kind()).isEqualTo(CpuidBitKind.FIXED1);
        assertThat(CpuidClassifier.classifyBit(M1501, GNR, CpuidInputs.of(0, 3, 0, 100, java.util.List.of()), 0x40000000, 0,
                CpuidReg.EAX, 0).kind()).isEqualTo(CpuidBitKind.NOT_VIRTUALIZED);
    }

    /** abi §5.5: MAXPA is calculated (native) unless MAXPA_VIRT, then configurable (1.5.06). */
    @Test
    void maxPaClassFollowsConfigFlags() {
        ModuleProfile m = ModuleProfiles.builtIn("1.5.06");
        CpuidInputs off = CpuidInputs.of(0, 3, 0, 100, java.util.List.of());
        CpuidInputs on = CpuidInputs.of(0, 3, 1 << 3, 100, java.util.List.of());
        assertThat(CpuidClassifier.classifyBit(m, GNR, off, 0x80000008, 0, CpuidReg.EAX, 0).kind())
                .isEqualTo(CpuidBitKind.CALCULATED);
        assertThat(CpuidClassifier.classifyBit(m, GNR, on, 0x80000008, 0, CpuidReg.EAX, 0).kind())
                .isEqualTo(CpuidBitKind.CONFIGURABLE);
    }

    /** The classifier's guest table is the table TDH.MNG.INIT stores for the same inputs. */
    @Test
    void guestTableMatchesTdhMngInit() {
        for (String v : ModuleProfiles.versions()) {
            ModuleProfile m = ModuleProfiles.builtIn(v);
            int i7 = m.configurableEntry(7, 0).orElseThrow().index();
            CpuidRegs req7 = new CpuidRegs(0, 1 << 3 | 1 << 8, 0, 0).and(m.cpuidConfigurable().get(i7).allowedInTdParams());
            CpuidClassifier.Report r = classify(m, Map.of(CpuidLeaf.of(7, 0), req7), 0, XFAM_AVX);
            TdParams t = TdParams.builder(m).xfam(XFAM_AVX).cpuidConfig(i7, req7).build();
            TdParamsCheckResult res = TdhMngInitChecks.check(m, GNR, PlatformRuntime.STEADY, t,
                    (int) m.constant("MIN_NUM_TDCS_PAGES").orElse(4));
            TdConfig c = ((TdParamsCheckResult.Accepted) res).config();
            for (var e : m.cpuidLookup()) {
                assertThat(r.guestCpuid().get(e.cpuidLeaf())).as("%s %s", v, e.cpuidLeaf())
                        .isEqualTo(c.cpuidValues().get(e.index()));
            }
        }
    }
}
