package org.tdxsim.module.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.tdxsim.module.cpuid.CpuidReg;
import org.tdxsim.module.cpuid.CpuidRegs;
import org.tdxsim.module.profile.ModuleProfiles;
import org.tdxsim.module.profile.ModuleProfile;
import org.tdxsim.module.profile.CpuidLookupEntry;

/** Loads every shipped platform profile; facts from the host-cpus README table. */
class PlatformProfilesTest {

    static java.util.List<String> names() {
        return PlatformProfiles.names();
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyBuiltInLoadsWithItsName(String name) {
        PlatformProfile p = PlatformProfiles.builtIn(name);
        assertThat(p.name()).isEqualTo(name);
        assertThat(p.knobSources()).containsKeys("ept5Level", "tscHz", "numTdxPrivKids");
        assertThat(p.maxBaseLeaf()).isGreaterThanOrEqualTo(p.tdxCapable() ? 0x1F : 0x10); // TDH.SYS.INIT needs >= 0x1F (abi §8)
    }

    /** host-cpus README "Address width, LA57 and 5-level EPT"; tdxHostAdjustments for 46 -> 52. */
    @ParameterizedTest
    @CsvSource({
        "sapphire-rapids-xeon-w7-2475x,     0x000806F8, 52, 57, true,  true,  true",
        "sapphire-rapids-xeon-w9-3475x,     0x000806F8, 52, 57, true,  true,  true",
        "emerald-rapids-xeon-platinum-8570, 0x000C06F2, 52, 57, true,  true,  true",
        "granite-rapids-w-xeon-658x,        0x000A06D1, 52, 57, true,  true,  true",
        "sierra-forest-synthesized,         0x000A06F3, 52, 57, true,  false, true",
        "raptor-lake-core-i9-14900k,        0x000B0671, 46, 48, false, false, false",
        "amd-epyc-9654-genoa,               0x00A10F11, 52, 57, true,  false, false"})
    void addressWidthsAndEpt(String name, String sig, int maxPa, int linear, boolean la57, boolean ept5, boolean tdx) {
        PlatformProfile p = PlatformProfiles.builtIn(name);
        assertThat(p.signature()).isEqualTo(Integer.parseUnsignedInt(sig.substring(2), 16));
        assertThat(p.maxPhysAddr()).isEqualTo(maxPa);
        assertThat(p.linearAddrBits()).isEqualTo(linear);
        assertThat(p.la57()).isEqualTo(la57);
        assertThat(p.ept5Level()).isEqualTo(ept5);
        assertThat(p.tdxCapable()).isEqualTo(tdx);
    }

    @Test
    void sierraForestIsSynthesizedWithoutAvx512OrAmx() {
        PlatformProfile p = PlatformProfiles.builtIn("sierra-forest-synthesized");
        assertThat(p.synthesized()).isTrue();
        assertThat(p.family()).isEqualTo(6);
        assertThat(p.model()).isEqualTo(0xAF);
        assertThat(p.stepping()).isEqualTo(3);
        assertThat(p.cpuid(7, 0).bit(CpuidReg.EBX, 16)).as("AVX512F").isFalse();
        assertThat(p.cpuid(7, 0).bit(CpuidReg.EDX, 24)).as("AMX-TILE").isFalse();
        assertThat(p.supportedXcr0() & 0x600E0L).isZero();
        assertThat(p.cpuid(0xD, 5)).isEqualTo(CpuidRegs.ZERO);
        assertThat(p.msr(PlatformProfile.MSR_IA32_VMX_EPT_VPID_CAP).orElseThrow() >>> 7 & 1).isZero();
        assertThat(p.ept4Level()).isTrue();
    }

    @Test
    void knobsOfGraniteRapids() {
        PlatformProfile p = PlatformProfiles.builtIn("granite-rapids-w-xeon-658x");
        assertThat(p.tscHz()).isEqualTo(3_000_000_000L);           // CPUID 0x15: 25 MHz * 240 / 2
        assertThat(p.supportedXcr0()).isEqualTo(0x602E7L);
        assertThat(p.supportedXss()).isEqualTo(0x1DD00L);
        assertThat(p.logicalProcessors()).isEqualTo(48);
        assertThat(p.minPrivateHkid()).isEqualTo(16);
        assertThat(p.maxPrivateHkid()).isEqualTo(63);
        assertThat(p.isPrivateHkid(15)).isFalse();
        assertThat(p.isPrivateHkid(16)).isTrue();
        assertThat(p.tdxConnect()).isFalse();
        assertThat(p.lass()).isFalse();
        assertThat(p.tsxCtrl()).isTrue();
        assertThat(p.miscEnableLimitCpuidMaxval()).isFalse();
        assertThat(p.knobSources().get("numMktmeKids")).contains("assumption");
    }

    @Test
    void raptorLakeHasNoTsxCtrlAndAmdHasNoLeaf15() {
        assertThat(PlatformProfiles.builtIn("raptor-lake-core-i9-14900k").tsxCtrl()).isFalse();
        PlatformProfile amd = PlatformProfiles.builtIn("amd-epyc-9654-genoa");
        assertThat(amd.vendor()).isEqualTo("AuthenticAMD");
        assertThat(amd.family()).isEqualTo(0x19);
        assertThat(amd.knobSources().get("tscHz")).contains("stated default");
    }

    /** SDM CPUID rules for values not in the dump. */
    @Test
    void absentLeavesFollowTheSdm() {
        PlatformProfile p = PlatformProfiles.builtIn("granite-rapids-w-xeon-658x");
        assertThat(p.cpuid(0xD, 3)).isEqualTo(CpuidRegs.ZERO);               // MPX state not dumped
        assertThat(p.cpuid(1, 5)).isEqualTo(p.cpuid(1, 0));                 // leaf without subleaves
        assertThat(p.cpuid(0x30, 0)).isEqualTo(p.cpuid(0x24, 0));           // above max basic: highest basic
        assertThat(p.cpuid(0x1F, 2).ecx()).isEqualTo(2);                    // invalid level echoes ECX[7:0]
        assertThat(p.cpuid(0x1F, 2).eax()).isZero();
        assertThat(PlatformProfiles.builtIn("amd-epyc-9654-genoa").cpuid(0x40, 0)).isEqualTo(CpuidRegs.ZERO);
    }

    @Test
    void withersKeepCpuidConsistent() {
        PlatformProfile p = PlatformProfiles.builtIn("granite-rapids-w-xeon-658x");
        PlatformProfile q = p.withLa57(false).withMaxPhysAddr(46).withEpt5Level(false);
        assertThat(q.la57()).isFalse();
        assertThat(q.linearAddrBits()).isEqualTo(48);
        assertThat(q.maxPhysAddr()).isEqualTo(46);
        assertThat(q.ept5Level()).isFalse();
        assertThat(q.msr(PlatformProfile.MSR_IA32_VMX_EPT_VPID_CAP).orElseThrow() >>> 7 & 1).isZero();
        assertThat(p.maxPhysAddr()).as("original unchanged").isEqualTo(52);
        assertThat(p.withLass(true).cpuid(7, 1).bit(CpuidReg.EAX, 6)).isTrue();
        assertThat(p.withHkids(31, 32).maxPrivateHkid()).isEqualTo(63);
        assertThat(q.knobSources().get("ept5Level")).contains("changed");
        assertThat(p.withLa57(false).withLa57(true)).isEqualTo(p.withLa57(true));
    }

    @Test
    void unknownPlatformNameListsKnownOnes() {
        assertThatThrownBy(() -> PlatformProfiles.builtIn("pentium-4"))
                .isInstanceOf(NoSuchElementException.class).hasMessageContaining("granite-rapids-w-xeon-658x");
    }

    /**
     * Every TDX-capable built-in platform passes the module's TDH.SYS.INIT CPUID verification
     * ((native & verifyMask) == verifyValue for every lookup entry, abi §5.1) in every version.
     */
    @Test
    void tdxCapablePlatformsPassSysInitCpuidVerification() {
        for (String name : PlatformProfiles.tdxCapableNames()) {
            PlatformProfile p = PlatformProfiles.builtIn(name);
            for (String v : ModuleProfiles.versions()) {
                ModuleProfile m = ModuleProfiles.builtIn(v);
                for (CpuidLookupEntry e : m.cpuidLookup()) {
                    CpuidRegs n = p.cpuid(e.leaf(), e.subleaf());
                    assertThat(n.and(e.verifyMask())).as("%s on %s, CPUID %s", v, name, e.cpuidLeaf())
                            .isEqualTo(e.verifyValue());
                }
            }
        }
    }
}
